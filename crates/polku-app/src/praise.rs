//! The praise wall: positive comments whose customers let them be shown to the staff, as a feed for the
//! whole company, a touchpoint, or a team (the touchpoints it serves), so the people who did well hear it.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::TeamId;
use polku_domain::role::Permission;
use polku_store::Comment;

/// Most comments on one page of the wall.
pub const WALL_PAGE: i64 = 100;
/// Most touchpoints one team may serve.
pub const MAX_TEAM_TOUCHPOINTS: usize = 50;

/// The newest shareable praise, for a team and/or a touchpoint (everyone who may read answers).
pub async fn wall(
    app: &App,
    caller: &Caller,
    team: Option<TeamId>,
    touchpoint: Option<&str>,
) -> AppResult<Vec<Comment>> {
    caller.require(Permission::View)?;
    let touchpoint = touchpoint.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = team
        && !app.store.teams(caller.org).await?.iter().any(|(id, _, _)| *id == t)
    {
        return Err(AppError::invalid("team", "is not a team of this organisation"));
    }
    Ok(app.store.praise(caller.org, team, touchpoint, WALL_PAGE).await?)
}

/// Sets the touchpoints a team serves (admins): names as responses carry them (`arrival`, `invoice`).
pub async fn set_team_touchpoints(app: &App, caller: &Caller, team: TeamId, touchpoints: &[String]) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let mut list: Vec<String> = touchpoints.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    list.sort();
    list.dedup();
    if list.len() > MAX_TEAM_TOUCHPOINTS {
        return Err(AppError::invalid("touchpoints", format!("at most {MAX_TEAM_TOUCHPOINTS}")));
    }
    if let Some(bad) =
        list.iter().find(|t| !polku_domain::response::is_valid_name(t, polku_domain::response::MAX_TOUCHPOINT))
    {
        return Err(AppError::invalid("touchpoints", format!("{bad:?} is not a touchpoint name (a–z, 0–9, - and _)")));
    }
    Ok(app.store.set_team_touchpoints(caller.org, team, &list).await?)
}

/// The touchpoints of every team of the organisation: (team, touchpoint).
pub async fn team_touchpoints(app: &App, caller: &Caller) -> AppResult<Vec<(uuid::Uuid, String)>> {
    caller.require(Permission::View)?;
    Ok(app.store.team_touchpoints(caller.org).await?)
}

//! `/praise`: the praise wall — positive comments whose customers let them be shown to the staff, newest
//! first, for the company, a team (the touchpoints it serves) or a touchpoint.

use super::{Chrome, TouchpointLabels, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::UiSession;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use polku_app::AppError;
use polku_app::store::Comment;

pub(super) fn router() -> Router<Web> {
    Router::new().route("/praise", get(show))
}

#[derive(Template)]
#[template(path = "praise.html")]
struct PraisePage {
    c: Chrome,
    t: T,
    comments: Vec<Comment>,
    teams: Vec<(String, String)>,
    team: String,
    touchpoint: String,
    tp: TouchpointLabels,
}

impl PraisePage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date(t)
    }
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let (team, touchpoint) = (get("team"), get("touchpoint"));
    let team_id = match team.as_str() {
        "" => None,
        t => Some(t.parse().map_err(|_| fail(&s)(AppError::invalid("team", "is not a team")))?),
    };
    let comments =
        polku_app::praise::wall(&web.app, &s.caller, team_id, Some(touchpoint.as_str())).await.map_err(fail(&s))?;
    // Teams are listed for everyone who may read the wall (their names only).
    let teams = web
        .app
        .store
        .teams(s.caller.org)
        .await
        .map_err(|e| fail(&s)(e.into()))?
        .into_iter()
        .map(|(id, name, _)| (id.to_string(), name))
        .collect();
    let tp = TouchpointLabels::load(&web, &s).await?;
    Ok(page(&PraisePage { c: Chrome::new(&s, "praise"), t: s.t, comments, teams, team, touchpoint, tp }))
}

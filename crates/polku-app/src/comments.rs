//! Open answers: re-running the text analysis over what is stored, when the lexicons or taxonomies changed.

use crate::{App, AppResult};
use polku_domain::OrgId;
use polku_store::Reanalysed;

/// Responses read and rewritten per transaction.
const PAGE: i64 = 500;

/// Analyses every open answer of `org` again and replaces what was stored, a page at a time (each page in
/// one transaction, so an interrupted run leaves every answer with either its old or its new analysis).
/// Calls `progress` with the running count of responses; returns the total.
pub async fn reanalyse(app: &App, org: OrgId, progress: &dyn Fn(u64)) -> AppResult<u64> {
    let mut after = None;
    let mut done = 0u64;
    loop {
        let page = app.store.responses_with_text(org, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let batch: Vec<Reanalysed> = page
            .iter()
            .map(|r| Reanalysed {
                response: r,
                analyses: polku_domain::text::analyse_answers(app.analyzer(), &r.answers, r.locale),
            })
            .collect();
        app.store.replace_analyses(&batch).await?;
        done += page.len() as u64;
        progress(done);
    }
    Ok(done)
}

//! An organisation's own sentiment lexicons and theme taxonomies: reading them (with the shipped ones as the
//! starting point), replacing one after checking it whole, going back to the default, and the analyzer
//! built from them.
//!
//! Analyzers are built per organisation on first use (about 15 ms) and kept; a node notices another node's
//! change within [`cache::TEXT_MODEL_TTL`], by comparing the stored models' last change, which is cheap.
//!
//! A file is checked whole by the domain parser before it is stored (`text_models`, migration 0008).
//! `analyzer_for(app, org)` is the analyzer for an organisation's comments everywhere (ingestion,
//! re-analysis, inbox filters and highlighting, insights): the shipped one when the organisation has no
//! models, else one built from them on a blocking thread. All analyzers share one lemmatizer (libvoikko's
//! handles and cache). A re-analysis started from the UI or the API runs as a task on the node that received
//! it, one per organisation at a time, and is audited.

use crate::auth::Caller;
use crate::{App, AppError, AppResult, cache};
use polku_domain::role::Permission;
use polku_domain::text::{Analyzer, Lexicon, ModelKind, Taxonomy};
use polku_domain::{Locale, OrgId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Largest lexicon or taxonomy accepted, in bytes (the shipped ones are a tenth of it).
pub const MAX_MODEL_BYTES: usize = 256 * 1024;

type Version = Option<i64>;

/// Analyzers of organisations, with the version of the models each was built from, and the re-analyses
/// running on this node.
pub struct OrgAnalyzers {
    fresh: cache::TtlCache<OrgId, Arc<Analyzer>>,
    built: Mutex<HashMap<OrgId, (Version, Arc<Analyzer>)>>,
    runs: Mutex<HashMap<OrgId, Reanalysis>>,
}

impl Default for OrgAnalyzers {
    fn default() -> Self {
        Self {
            fresh: cache::TtlCache::new(cache::TEXT_MODEL_TTL),
            built: Mutex::new(HashMap::new()),
            runs: Mutex::new(HashMap::new()),
        }
    }
}

/// A re-analysis of an organisation's comments started from the UI or the API (on this node).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Reanalysis {
    pub started: OffsetDateTime,
    /// Responses re-analysed so far.
    pub done: u64,
    pub finished: Option<OffsetDateTime>,
    pub error: Option<String>,
}

/// Starts re-analysing every comment of the caller's organisation with its current lexicons and
/// taxonomies, in the background (each page of 500 responses in its own transaction, as `polku reanalyse`).
/// Refused while one is running.
pub async fn start_reanalysis(app: &Arc<App>, caller: &Caller) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let org = caller.org;
    {
        let mut runs = app.org_analyzers.runs.lock().expect("runs lock");
        if runs.get(&org).is_some_and(|r| r.finished.is_none()) {
            return Err(AppError::Conflict("a re-analysis is already running".into()));
        }
        runs.insert(org, Reanalysis { started: polku_store::now(), done: 0, finished: None, error: None });
    }
    let entry = polku_store::Audit {
        actor: &caller.actor,
        action: "text_model.reanalyse",
        target: String::new(),
        detail: serde_json::Value::Null,
    };
    if let Err(e) = app.store.record_audit(Some(org), &entry).await {
        app.org_analyzers.runs.lock().expect("runs lock").remove(&org);
        return Err(e.into());
    }
    let app = Arc::clone(app);
    tokio::spawn(async move {
        // A fresh analyzer: the cached one may predate a save on another node.
        app.org_analyzers.fresh.remove(&org);
        // In a task of its own, so that even a panic ends the run (and a next one may start).
        let work = {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let progress = |n: u64| {
                    if let Some(r) = app.org_analyzers.runs.lock().expect("runs lock").get_mut(&org) {
                        r.done = n;
                    }
                };
                crate::comments::reanalyse(&app, org, &progress).await
            })
        };
        let error = match work.await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(format!("the re-analysis stopped: {e}")),
        };
        if let Some(e) = &error {
            tracing::error!(%org, error = %e, "re-analysis failed");
        }
        if let Some(r) = app.org_analyzers.runs.lock().expect("runs lock").get_mut(&org) {
            r.finished = Some(polku_store::now());
            r.error = error;
        }
    });
    Ok(())
}

/// The latest re-analysis of the caller's organisation started on this node, if any.
pub fn reanalysis(app: &App, caller: &Caller) -> AppResult<Option<Reanalysis>> {
    caller.require(Permission::View)?;
    Ok(app.org_analyzers.runs.lock().expect("runs lock").get(&caller.org).cloned())
}

/// The analyzer for `org`'s comments: its own lexicons and taxonomies where it has them.
pub async fn analyzer_for(app: &App, org: OrgId) -> AppResult<Arc<Analyzer>> {
    if let Some(a) = app.org_analyzers.fresh.get(&org) {
        return Ok(a);
    }
    let version = app.store.text_models_version(org).await?;
    let known = app.org_analyzers.built.lock().expect("analyzer lock").get(&org).cloned();
    let analyzer = match (version, known) {
        (None, _) => {
            app.org_analyzers.built.lock().expect("analyzer lock").remove(&org);
            app.default_analyzer()
        }
        (Some(v), Some((Some(k), a))) if k == v => a,
        (Some(_), _) => {
            let models = app.store.text_models(org).await?;
            let lemmatizer = app.lemmatizer();
            let built = tokio::task::spawn_blocking(move || {
                let mut b = Analyzer::builder().lemmatizer(Box::new(lemmatizer));
                for m in &models {
                    let (Some(kind), Some(lang)) = (ModelKind::parse(&m.kind), Locale::parse(&m.lang)) else {
                        continue;
                    };
                    // Stored bodies were checked when saved; one that no longer parses (an upgrade made the
                    // format stricter) falls back to the default rather than failing every answer.
                    match kind {
                        ModelKind::Lexicon => match Lexicon::parse(&m.body) {
                            Ok(l) => b = b.lexicon(lang, l),
                            Err(e) => {
                                tracing::error!(%org, lang = m.lang, error = %e, "stored lexicon no longer parses");
                            }
                        },
                        ModelKind::Taxonomy => match Taxonomy::parse(&m.body) {
                            Ok(t) => b = b.taxonomy(lang, t),
                            Err(e) => {
                                tracing::error!(%org, lang = m.lang, error = %e, "stored taxonomy no longer parses");
                            }
                        },
                    }
                }
                Arc::new(b.build())
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
            app.org_analyzers.built.lock().expect("analyzer lock").insert(org, (version, Arc::clone(&built)));
            built
        }
    };
    app.org_analyzers.fresh.put(org, Arc::clone(&analyzer));
    Ok(analyzer)
}

/// One lexicon or taxonomy as an organisation sees it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ModelText {
    pub kind: ModelKind,
    pub lang: Locale,
    pub text: String,
    /// Whether this is the organisation's own (else the shipped default).
    pub own: bool,
    pub updated_at: Option<OffsetDateTime>,
}

/// Every lexicon and taxonomy `caller`'s organisation uses, its own or the default, taxonomies first.
pub async fn models(app: &App, caller: &Caller) -> AppResult<Vec<ModelText>> {
    caller.require(Permission::View)?;
    let own = app.store.text_models(caller.org).await?;
    let mut out = Vec::new();
    for kind in ModelKind::ALL {
        for lang in Locale::ALL {
            let stored = own.iter().find(|m| m.kind == kind.as_str() && m.lang == lang.as_str());
            out.push(ModelText {
                kind,
                lang,
                text: stored.map_or_else(|| kind.default_text(lang).to_string(), |m| m.body.clone()),
                own: stored.is_some(),
                updated_at: stored.map(|m| m.updated_at),
            });
        }
    }
    Ok(out)
}

fn parse_target(kind: &str, lang: &str) -> AppResult<(ModelKind, Locale)> {
    let kind = ModelKind::parse(kind).ok_or_else(|| AppError::invalid("kind", "must be lexicon or taxonomy"))?;
    let lang = Locale::parse(lang).ok_or_else(|| AppError::invalid("lang", "must be fi, sv or en"))?;
    Ok((kind, lang))
}

/// Replaces the organisation's `kind` for `lang` with `text`, checked whole first: with any error nothing
/// is stored, and every error comes back with its line number (field `text`, messages `line N: …`).
/// Comments already stored keep their analysis until `polku reanalyse` (or the page's button) runs.
pub async fn save(app: &App, caller: &Caller, kind: &str, lang: &str, text: &str) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let (kind, lang) = parse_target(kind, lang)?;
    if text.len() > MAX_MODEL_BYTES {
        return Err(AppError::invalid("text", format!("is larger than {MAX_MODEL_BYTES} bytes")));
    }
    if let Err(e) = kind.check(text) {
        let errors = e
            .errors
            .iter()
            .take(50)
            .map(|l| polku_domain::survey::FieldError {
                field: "text".into(),
                message: format!("line {}: {}", l.line, l.message),
            })
            .collect();
        return Err(AppError::Invalid(polku_domain::survey::ValidationErrors(errors)));
    }
    app.store.put_text_model(caller.org, kind.as_str(), lang.as_str(), text, crate::comments::author(caller)).await?;
    app.org_analyzers.fresh.remove(&caller.org);
    audit(app, caller, "text_model.save", kind, lang).await
}

/// Goes back to the shipped `kind` for `lang`.
pub async fn reset(app: &App, caller: &Caller, kind: &str, lang: &str) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let (kind, lang) = parse_target(kind, lang)?;
    if app.store.delete_text_model(caller.org, kind.as_str(), lang.as_str()).await? {
        app.org_analyzers.fresh.remove(&caller.org);
        audit(app, caller, "text_model.reset", kind, lang).await?;
    }
    Ok(())
}

async fn audit(app: &App, caller: &Caller, action: &'static str, kind: ModelKind, lang: Locale) -> AppResult<()> {
    let entry = polku_store::Audit {
        actor: &caller.actor,
        action,
        target: format!("{}:{}", kind.as_str(), lang.as_str()),
        detail: serde_json::Value::Null,
    };
    Ok(app.store.record_audit(Some(caller.org), &entry).await?)
}

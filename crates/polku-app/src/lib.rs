//! Polku's use cases, shared by the HTTP API, the web UI, the CLI and background jobs.
//!
//! Each use case is a function taking `&App` and already-authenticated context; the web and CLI layers only
//! translate their input into these calls and the results back. `App` is built once at start-up from an
//! explicit [`AppConfig`]; nothing here reads the environment (polku-voikko, which builds the lemmatizer on
//! first use, reads `POLKU_VOIKKO` and `POLKU_VOIKKO_LIBRARY` itself).

pub use polku_voikko::LemmatizerInfo;

pub mod auth;
pub mod cache;
pub mod cases;
pub mod comments;
pub mod connections;
pub mod contact;
pub mod customers;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod followups;
pub mod histories;
pub mod improvements;
pub mod insights;
pub mod invitations;
pub mod journey;
pub mod members;
pub mod money;
pub mod notify;
pub mod orgs;
pub mod outbound;
pub mod panel;
pub mod praise;
pub mod privacy;
pub mod responses;
pub mod surveys;
pub mod telemetry;
pub mod text_models;
pub mod timeline;
pub mod triggers;
pub mod two_factor;
pub mod writer;

pub use error::{AppError, AppResult};
/// The store's plain data types, re-exported so the web layer needs no direct dependency on the store.
pub use polku_store as store;
pub use polku_store::{Actor, Store};

use std::sync::Arc;
use std::time::Duration;

/// Settings the use cases need (the binary maps its full configuration onto this).
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// How long a sign-in lasts without activity.
    pub session_ttl: Duration,
    /// Most responses the writer commits in one transaction.
    pub max_batch: usize,
    /// Send the `Secure` attribute on cookies (off only for plain-HTTP local use).
    pub secure_cookies: bool,
    /// The address people reach Polku at (no trailing slash), for links in e-mails and webhooks.
    pub public_url: String,
    /// Let organisations send notifications to this machine and private or link-local addresses (an SMTP
    /// relay on the LAN). Off by default: an organisation's admin must not reach the server's network.
    pub allow_internal_targets: bool,
    /// The deadline for one whole exchange with an organisation's SMTP server or webhook.
    pub outbound_timeout: Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(12 * 3600),
            max_batch: 1024,
            secure_cookies: true,
            public_url: "http://127.0.0.1:8080".into(),
            allow_internal_targets: false,
            outbound_timeout: Duration::from_secs(20),
        }
    }
}

/// Everything a request or a job needs: the store, the response writer and shared counters.
pub struct App {
    pub store: Store,
    pub config: AppConfig,
    pub writer: writer::Writer,
    pub telemetry: Arc<telemetry::Telemetry>,
    pub login_throttle: auth::LoginThrottle,
    /// Live API tokens by SHA-256 of the secret.
    pub tokens: cache::TtlCache<Vec<u8>, polku_store::TokenInfo>,
    /// Current survey definitions by (organisation, survey).
    pub surveys: cache::TtlCache<(polku_domain::OrgId, polku_domain::SurveyId), Arc<polku_store::SurveyRecord>>,
    /// The default text analyzer and the lemmatizer every analyzer shares, built on first use (compiling the
    /// lexicons takes tens of milliseconds, which start-up should not wait for).
    analyzer: std::sync::OnceLock<Analysis>,
    /// Active alert rules by organisation (see `cases::rules_for`).
    pub rules: cache::TtlCache<polku_domain::OrgId, Arc<Vec<(polku_domain::RuleId, polku_domain::cases::Rule)>>>,
    /// Analyzers of organisations with their own lexicons or taxonomies (see `text_models`).
    pub org_analyzers: text_models::OrgAnalyzers,
    /// The client for outgoing webhooks.
    pub http: outbound::Http,
    /// Customers' histories per organisation, for the money and journey analyses.
    pub histories: histories::HistoryCache,
    /// Organisations' time zones.
    pub zones: cache::TtlCache<polku_domain::OrgId, Arc<polku_domain::zone::Zone>>,
}

struct Analysis {
    analyzer: Arc<polku_domain::text::Analyzer>,
    info: LemmatizerInfo,
    lemmatizer: Arc<dyn polku_domain::text::Lemmatizer>,
}

impl App {
    /// Builds the app and starts its response writer on the current tokio runtime. The returned handle
    /// finishes once every `App` clone is dropped and the writer has committed what it was given.
    pub fn start(store: Store, config: AppConfig) -> (Arc<App>, tokio::task::JoinHandle<()>) {
        let telemetry = Arc::new(telemetry::Telemetry::default());
        let (writer, handle) = writer::Writer::spawn(store.clone(), config.max_batch, telemetry.clone());
        let app = Arc::new(App {
            store,
            config,
            writer,
            telemetry,
            login_throttle: auth::LoginThrottle::default(),
            tokens: cache::TtlCache::new(cache::TOKEN_TTL),
            surveys: cache::TtlCache::new(cache::SURVEY_TTL),
            analyzer: std::sync::OnceLock::new(),
            rules: cache::TtlCache::new(cache::RULES_TTL),
            org_analyzers: text_models::OrgAnalyzers::default(),
            histories: histories::HistoryCache::default(),
            http: outbound::Http::default(),
            zones: cache::TtlCache::new(cache::ZONE_TTL),
        });
        (app, handle)
    }

    /// The organisation's time zone (cached for `cache::ZONE_TTL`).
    pub async fn zone(&self, org: polku_domain::OrgId) -> AppResult<Arc<polku_domain::zone::Zone>> {
        if let Some(z) = self.zones.get(&org) {
            return Ok(z);
        }
        let name = self.store.org(org).await?.time_zone;
        let zone = Arc::new(polku_domain::zone::Zone::parse(&name).unwrap_or_default());
        self.zones.put(org, Arc::clone(&zone));
        Ok(zone)
    }

    /// Today's date in the organisation's time zone.
    pub async fn today(&self, org: polku_domain::OrgId) -> AppResult<time::Date> {
        Ok(self.zone(org).await?.today(polku_store::now()))
    }

    /// The analyzer with the shipped lexicons and taxonomies (for an organisation's comments use
    /// [`text_models::analyzer_for`], which honours its own).
    pub(crate) fn default_analyzer(&self) -> Arc<polku_domain::text::Analyzer> {
        Arc::clone(&self.analysis().analyzer)
    }

    pub(crate) fn lemmatizer(&self) -> Arc<dyn polku_domain::text::Lemmatizer> {
        Arc::clone(&self.analysis().lemmatizer)
    }

    /// Which lemmatizer the analyzer uses for Finnish (libvoikko, or Snowball and why).
    pub fn lemmatizer_info(&self) -> &LemmatizerInfo {
        &self.analysis().info
    }

    fn analysis(&self) -> &Analysis {
        self.analyzer.get_or_init(|| {
            let (lemmatizer, info) = polku_voikko::lemmatizer();
            let lemmatizer: Arc<dyn polku_domain::text::Lemmatizer> = Arc::from(lemmatizer);
            let analyzer =
                polku_domain::text::Analyzer::builder().lemmatizer(Box::new(Arc::clone(&lemmatizer))).build();
            Analysis { analyzer: Arc::new(analyzer), info, lemmatizer }
        })
    }
}

//! The `polku` binary: command-line glue over the library crates. It reads configuration, sets up logging,
//! opens the store and runs one command: the server, the demo, migrations, verification, administration
//! or benchmark data generation and timing.

/// The system allocator spends a sixth of the ingestion path in malloc/free under load; mimalloc is made
/// for many small, short-lived allocations across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod config;
mod data_cli;
mod evaltext;
mod import;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::Config;
use polku_app::{App, AppConfig, Store};
use polku_domain::role::Role;
use polku_domain::{Locale, OrgId};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "polku", version, about = "Polku — customer experience, continuously.")]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "POLKU_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// An optional TOML configuration file.
    #[arg(long, env = "POLKU_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, env = "POLKU_LOG_FORMAT", global = true)]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (API, web UI, public survey pages, /metrics).
    Serve(ServeArgs),
    /// Create (or reuse) a demo database full of realistic data and serve it.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Seed of the demo generator: the same seed gives the same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// How many responses to generate.
        #[arg(long, default_value_t = 20_000)]
        responses: usize,
        /// Only create the data, do not start the server.
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Recount rollups from the raw answers; exits non-zero on any difference.
    Verify,
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Members who can sign in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Generate a large benchmark data set and print its survey id and an API token.
    BenchData {
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
        /// Share of responses with an open answer, 0–1.
        #[arg(long, default_value_t = 0.1)]
        comments: f64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Also customers `c-0`… (the ids half the responses carry), with orders and support contacts.
        #[arg(long, default_value_t = 0)]
        customers: usize,
        #[arg(long, default_value_t = 0)]
        orders: usize,
        #[arg(long, default_value_t = 0)]
        contacts: usize,
    },
    /// Analyse every stored open answer again (after the lexicons or taxonomies changed).
    Reanalyse {
        /// Only this organisation (default: all).
        #[arg(long)]
        org: Option<String>,
    },
    /// Score the text analysis against labelled comments (CSV: text, language, label[, themes, rating]).
    EvalText(evaltext::EvalTextArgs),
    /// Import customers, orders or support contacts from a CSV file: checked whole, then written whole in
    /// one transaction.
    Import(import::ImportArgs),
    /// One customer's data: export it, erase it; how long personal data is kept.
    Customer {
        #[command(subcommand)]
        command: data_cli::CustomerCommand,
    },
    /// Connections to shops and helpdesks, whose webhooks bring orders and tickets.
    Connection {
        #[command(subcommand)]
        command: data_cli::ConnectionCommand,
    },
    /// Reports: the money figures, the journey map and the loyal customers, as CSV or JSON.
    Report {
        #[command(subcommand)]
        command: data_cli::ReportCommand,
    },
    /// Write a consistent copy of the SQLite database to FILE while Polku keeps serving (PostgreSQL: pg_dump).
    Backup {
        /// The new file (an existing one is never overwritten).
        file: PathBuf,
    },
    /// Put a backup made by `polku backup` in place of the configured SQLite database. Stop the server first.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace a database that already has data.
        #[arg(long)]
        force: bool,
    },
    /// The keys that encrypt stored secrets (SMTP passwords, webhook and connection secrets).
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Benchmarks on a data set made by `bench-data`.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(clap::Subcommand)]
enum SecretsCommand {
    /// Print a new random key for `secret_keys`.
    NewKey,
    /// Re-encrypt every stored secret under the first of `secret_keys` (after putting a new key first).
    Rotate,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "POLKU_LISTEN")]
    listen: Option<String>,
    /// The address people reach Polku at, for links in notifications (default: http:// and --listen).
    #[arg(long, env = "POLKU_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation; prints its id as the last line.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a member (creating the user if new); the password is read from POLKU_PASSWORD or --password.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long, env = "POLKU_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "fi")]
        locale: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token; prints it as the last line (it is shown only once).
    Create {
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "agent")]
        role: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POLKU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        "json" => builder.json().init(),
        "text" => builder.init(),
        other => bail!("--log-format must be text or json, not {other:?}"),
    }
    // A panic is a bug: one log line with its message and place, in the log's format, instead of the
    // default hook's text on stderr (the server answers the request with a 500: `polku_web::serve`).
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(panic = %message, at = %place, "a bug: panicked");
    }));
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        config.database_url = url;
    } else if matches!(cli.command, Command::Demo { .. }) {
        config.database_url = "sqlite://polku-demo.db".into();
    }
    if matches!(cli.command, Command::Demo { .. }) {
        // The demo serves plain HTTP, where a Secure cookie would not come back from every client.
        config.secure_cookies = false;
    }
    if let Some(f) = cli.log_format {
        config.log_format = f;
    }
    if let Command::Serve(a) | Command::Demo { serve: a, .. } = &cli.command
        && let Some(l) = &a.listen
    {
        config.listen = l.clone();
    }
    if let Command::Serve(a) | Command::Demo { serve: a, .. } = &cli.command
        && let Some(u) = &a.public_url
    {
        config.public_url = u.clone();
    }
    init_logging(&config.log_format)?;
    // A bad entry is reported before anything touches the database.
    polku_web::proxy::TrustedProxies::parse(&config.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    if let Command::EvalText(args) = &cli.command {
        return evaltext::run(args);
    }

    let started = Instant::now();
    if let Command::Secrets { command: SecretsCommand::NewKey } = &cli.command {
        println!("{}", polku_store::Sealer::new_key());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    if let Ok(keys) = std::env::var("POLKU_SECRET_KEYS") {
        config.secret_keys = keys.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect();
    }
    if let Command::Restore { file, force } = &cli.command {
        return restore(&config, file, *force).await;
    }
    let sealer = config.sealer()?;
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to {}", config::redact(&config.database_url)))?
        .with_sealer(sealer);
    let applied = store.migrate().await.context("migrating the database")?;
    if matches!(cli.command, Command::Migrate) {
        println!("{applied} migration(s) applied");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let app_config = AppConfig {
        session_ttl: Duration::from_secs(config.session_hours * 3600),
        max_batch: config.max_batch,
        secure_cookies: config.secure_cookies,
        public_url: config.public_url(),
        allow_internal_targets: config.allow_internal_targets,
        ..AppConfig::default()
    };
    let (app, writer) = App::start(store, app_config);
    let system = polku_app::Actor::System("cli");
    let code = match cli.command {
        Command::Serve(_) => {
            // Secrets written before encryption, or under a key no longer first, are sealed anew.
            let n = app.store.reseal_secrets().await.context("encrypting stored secrets")?;
            if n > 0 {
                tracing::info!(secrets = n, "stored secrets encrypted under the first key");
            }
            serve(app, writer, &config, started).await?;
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::Demo { seed, responses, no_serve, .. } => {
            let t = Instant::now();
            let login = polku_app::demo::ensure_demo(&app, seed, responses, time::OffsetDateTime::now_utc())
                .await
                .context("creating the demo data")?;
            // What a newcomer needs comes first; how the data came about after it.
            println!("Polku demo: http://{}/", config.listen);
            println!("Sign in as {} with password {}", login.email, login.password);
            println!("API token (admin): {}", login.token);
            if login.created {
                eprintln!(
                    "Created the demo organisation with {} responses in {:.1} s.",
                    login.responses,
                    t.elapsed().as_secs_f64()
                );
            } else {
                eprintln!("Reusing the existing demo database ({} responses).", login.responses);
            }
            if !no_serve {
                serve(app, writer, &config, started).await?;
            }
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Command::Migrate | Command::EvalText(_) => unreachable!("handled above"),
        Command::Verify => {
            // Compared as they will be once the pending time-zone rebuilds are done.
            polku_app::orgs::rebuild_pending(&app).await?;
            let mut bad = 0usize;
            for org in app.store.orgs().await? {
                let mismatches = app.store.verify_rollups(OrgId(org.id)).await?;
                for m in &mismatches {
                    println!(
                        "{}: survey {} question {} {} from {} channel {:?} touchpoint {:?} score {}: rollup {} ≠ raw {}",
                        org.name,
                        m.survey,
                        m.question,
                        m.grain.granularity().as_str(),
                        m.grain.granularity().bucket_start(m.bucket as i32),
                        m.channel,
                        m.touchpoint,
                        m.score,
                        m.rollup,
                        m.raw
                    );
                }
                bad += mismatches.len();
                let comment_cells = app.store.verify_comment_rollups(OrgId(org.id)).await?;
                for ((_, day, survey, theme, polarity, kind, score), stored, raw) in &comment_cells {
                    println!(
                        "{}: comments of survey {survey} on {} theme {theme:?} tone {polarity:?} score {kind} {score}: rollup {stored} ≠ raw {raw}",
                        org.name,
                        polku_domain::calendar::date_of_day(*day as i32),
                    );
                }
                bad += comment_cells.len();
            }
            if bad == 0 {
                println!("rollups match the raw answers");
                std::process::ExitCode::SUCCESS
            } else {
                println!("{bad} rollup cell(s) differ from the raw answers");
                std::process::ExitCode::FAILURE
            }
        }
        Command::Org { command: OrgCommand::Create { name } } => {
            let id = polku_app::orgs::create_org(&app, &system, &name).await.context("creating the organisation")?;
            println!("{id}");
            std::process::ExitCode::SUCCESS
        }
        Command::User { command: UserCommand::Add { org, email, name, role, password, locale } } => {
            let org: OrgId = org.parse().context("--org must be an organisation id")?;
            let role = Role::parse(&role).context("--role must be owner, admin, analyst, agent or viewer")?;
            let locale = Locale::parse(&locale).context("--locale must be fi, sv or en")?;
            app.store.org(org).await.map_err(|_| anyhow::anyhow!("no organisation {org}"))?;
            let name = if name.is_empty() { email.clone() } else { name };
            let id = polku_app::orgs::add_member(
                &app,
                &system,
                org,
                polku_app::orgs::NewMember { email: &email, name: &name, password: &password, role, locale },
            )
            .await
            .context("adding the member")?;
            println!("{id}");
            std::process::ExitCode::SUCCESS
        }
        Command::Token { command: TokenCommand::Create { org, role, name } } => {
            let org: OrgId = org.parse().context("--org must be an organisation id")?;
            let role = Role::parse(&role).context("--role must be admin, analyst, agent or viewer")?;
            app.store.org(org).await.map_err(|_| anyhow::anyhow!("no organisation {org}"))?;
            let (_, secret) = polku_app::orgs::create_token(&app, &system, org, &name, role)
                .await
                .context("creating the API token")?;
            println!("{secret}");
            std::process::ExitCode::SUCCESS
        }
        Command::BenchData { responses, comments, seed, customers, orders, contacts } => {
            if !(0.0..=1.0).contains(&comments) {
                anyhow::bail!("--comments must be between 0 and 1");
            }
            let bar = indicatif::ProgressBar::new(responses as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} responses ({per_sec}, eta {eta})")
                    .expect("valid template"),
            );
            let t = Instant::now();
            let data =
                polku_app::demo::bench_data(&app, responses, comments, seed, time::OffsetDateTime::now_utc(), &|n| {
                    bar.set_position(n as u64);
                })
                .await
                .context("generating benchmark responses")?;
            bar.finish();
            eprintln!("{responses} responses in {:.1} s", t.elapsed().as_secs_f64());
            if customers > 0 {
                let t = Instant::now();
                let rows = customers + orders + contacts;
                let bar = indicatif::ProgressBar::new(rows as u64);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} customer rows ({per_sec}, eta {eta})",
                    )
                    .expect("valid template"),
                );
                let now = time::OffsetDateTime::now_utc();
                polku_app::demo::bench_customer_data(&app, data.org, (customers, orders, contacts), seed, now, &|n| {
                    bar.set_position(n as u64);
                })
                .await
                .context("generating benchmark customer data")?;
                bar.finish();
                eprintln!(
                    "{customers} customers, {orders} orders, {contacts} contacts in {:.1} s",
                    t.elapsed().as_secs_f64()
                );
                let t = Instant::now();
                let n = app.store.refresh_summaries(Some(data.org), usize::MAX).await?;
                eprintln!("{n} customer summaries in {:.1} s", t.elapsed().as_secs_f64());
            }
            println!("org {}", data.org);
            println!("survey {}", data.survey.id);
            println!("question {}", data.survey.definition.questions[0].id);
            println!("{}", data.token);
            std::process::ExitCode::SUCCESS
        }
        Command::Bench { command } => bench::run(&app.store, command).await?,
        Command::Backup { file } => {
            if file.exists() {
                anyhow::bail!("{} exists; a backup never overwrites a file", file.display());
            }
            let path = file.to_str().context("the backup path must be UTF-8")?;
            app.store.backup_to(path).await.context("writing the backup")?;
            let copy = Store::connect(&format!("sqlite://{path}")).await.context("opening the backup")?;
            print_counts(&copy).await?;
            println!(
                "backup written to {path}; keep the key for stored secrets (secret_keys or its key file) too, apart from it"
            );
            std::process::ExitCode::SUCCESS
        }
        // Answered before connecting (connecting would create and migrate an empty database).
        Command::Restore { .. } => std::process::ExitCode::FAILURE,
        // `new-key` answered before connecting; `rotate` here.
        Command::Secrets { .. } => {
            let n = app.store.reseal_secrets().await?;
            println!("{n} secret(s) re-encrypted under the first key");
            std::process::ExitCode::SUCCESS
        }
        Command::Import(args) => import::run(&app, &args).await?,
        Command::Customer { command } => data_cli::customer(&app, command).await?,
        Command::Connection { command } => data_cli::connection(&app, command).await?,
        Command::Report { command } => data_cli::report(&app, command).await?,
        Command::Reanalyse { org } => {
            let orgs: Vec<OrgId> = match org {
                Some(o) => vec![o.parse().context("--org must be an organisation id")?],
                None => app.store.orgs().await?.into_iter().map(|o| OrgId(o.id)).collect(),
            };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {pos} responses ({per_sec})")
                    .expect("valid template"),
            );
            let mut total = 0;
            for org in orgs {
                let offset = total;
                total += polku_app::comments::reanalyse(&app, org, &|n| bar.set_position(offset + n))
                    .await
                    .context("re-analysing the comments")?;
            }
            bar.finish_and_clear();
            println!("{total} responses with open answers analysed");
            std::process::ExitCode::SUCCESS
        }
    };
    drop(app);
    let _ = tokio::time::timeout(Duration::from_secs(30), writer).await;
    Ok(code)
}

async fn serve(
    app: Arc<App>,
    writer: tokio::task::JoinHandle<()>,
    config: &Config,
    started: Instant,
) -> anyhow::Result<()> {
    let web = polku_web::WebConfig {
        public_rate_per_minute: config.public_rate_per_minute,
        webhook_rate_per_minute: config.webhook_rate_per_minute,
        trusted_proxies: polku_web::proxy::TrustedProxies::parse(&config.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?,
    };
    if config.public_url.trim().is_empty()
        && !config.listen.starts_with("127.")
        && !config.listen.starts_with("localhost")
    {
        tracing::warn!(links = %config.public_url(), "public_url is not set: links in e-mails and webhooks point at the listen address");
    }
    let router = polku_web::router(app.clone(), web);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        database = %config::redact(&config.database_url),
        backend = ?app.store.backend(),
        startup_ms = started.elapsed().as_millis() as u64,
        "polku is serving"
    );
    // Hourly: expired sessions, rows written late for deleted organisations and old webhook receipts are
    // swept, and personal data past an organisation's retention period erased. Each is idempotent, so several nodes may all run them.
    let hourly_app = app.clone();
    let sweeper = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match hourly_app.store.purge_sessions().await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "removing expired sessions failed"),
            }
            match hourly_app.store.sweep_deleted_orgs(polku_app::store::now()).await {
                Ok(n) if n > 0 => tracing::info!(rows = n, "rows written late for deleted organisations removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "sweeping deleted organisations failed"),
            }
            if let Err(e) = polku_app::connections::prune_receipts(&hourly_app).await {
                tracing::warn!(error = %e, "forgetting old webhook receipts failed");
            }
            match polku_app::privacy::apply_retention(&hourly_app, polku_app::store::now()).await {
                Ok(r) if r.customers_erased > 0 || r.answers_untied > 0 => tracing::info!(
                    customers_erased = r.customers_erased,
                    answers_untied = r.answers_untied,
                    "personal data past its retention period erased"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "applying the retention period failed"),
            }
        }
    });
    // Overdue cases are escalated and due follow-ups started each minute. Every node runs it; the store
    // does each once.
    let escalation_app = app.clone();
    let escalation = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = polku_app::cases::escalate(&escalation_app).await {
                tracing::warn!(error = %e, "escalating overdue cases failed");
            }
            if let Err(e) = polku_app::cases::check_windows(&escalation_app, polku_app::store::now()).await {
                tracing::warn!(error = %e, "checking windowed alert rules failed");
            }
            // Customer summaries changed by imports, webhooks and answers, ahead of the next analysis.
            match escalation_app.store.refresh_summaries(None, 20_000).await {
                Ok(n) if n > 0 => tracing::info!(customers = n, "customer summaries recomputed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "recomputing customer summaries failed"),
            }
            escalation_app.histories.trim(polku_app::histories::IDLE);
            // Follow-ups of resolved cases that are due: started once, whichever node gets there first.
            match polku_app::followups::start_due(&escalation_app).await {
                Ok(n) if n > 0 => tracing::info!(started = n, "follow-ups started"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "starting follow-ups failed"),
            }
        }
    });
    // Notifications and invitations are delivered by every node, each claimed by one sender at a time;
    // every node also fires survey triggers (each row once: `trigger_firings`).
    let sender = tokio::spawn(polku_app::notify::run(app.clone()));
    let triggers = tokio::spawn(polku_app::triggers::run(app.clone()));
    // Days counted in an organisation's new time zone (or, after an upgrade, no longer in UTC).
    let rebuilder = tokio::spawn(polku_app::orgs::run_rebuilds(app.clone()));
    drop(app);
    polku_web::serve::serve(listener, router, polku_web::serve::CLIENT_TIMEOUT, shutdown())
        .await
        .context("serving HTTP")?;
    sweeper.abort();
    escalation.abort();
    sender.abort();
    triggers.abort();
    rebuilder.abort();
    // The router (and its App) is gone: the writer commits what it holds and stops.
    tracing::info!("shutting down; waiting for pending writes");
    let _ = tokio::time::timeout(Duration::from_secs(30), writer).await;
    Ok(())
}

/// The schema version and the row counts of the main tables, one line each (compared after a restore).
async fn print_counts(store: &Store) -> anyhow::Result<()> {
    let (version, counts) = store.counts().await?;
    println!("schema {version}");
    for (table, n) in counts {
        println!("{table} {n}");
    }
    Ok(())
}

/// `polku restore FILE`: checks that FILE is a Polku database, then puts a copy of it where the configured
/// SQLite database is; a database with data in it is replaced only with `--force`.
async fn restore(config: &Config, file: &std::path::Path, force: bool) -> anyhow::Result<std::process::ExitCode> {
    let Some(target) = config.database_url.strip_prefix("sqlite://").map(|t| t.split('?').next().unwrap_or(t)) else {
        anyhow::bail!("restore is for SQLite; restore PostgreSQL with pg_restore (see README)");
    };
    if !file.is_file() {
        anyhow::bail!("{}: no such backup file", file.display());
    }
    let has_data = std::fs::metadata(target).map(|m| m.len() > 0).unwrap_or(false);
    if has_data && !force {
        anyhow::bail!("{target} already has data; stop the server and add --force to replace it");
    }
    // The database being replaced moves aside with its WAL (which may hold its last commits) rather than
    // losing it, and comes back if the restored one cannot be put in place. An earlier one kept aside is
    // never overwritten: the operator deletes it once that restore is confirmed.
    let aside = format!("{target}.replaced");
    let parts = ["", "-wal", "-shm"];
    if let Some(kept) = parts.iter().map(|p| format!("{aside}{p}")).find(|p| std::path::Path::new(p).exists()) {
        anyhow::bail!("{kept} is kept from an earlier restore; delete or move it first");
    }
    // Checked on a copy beside the target, then moved into place, so a failed check changes nothing.
    let staged = format!("{target}.restoring");
    let remove_staged = || {
        for part in parts {
            let _ = std::fs::remove_file(format!("{staged}{part}"));
        }
    };
    std::fs::copy(file, &staged).with_context(|| format!("copying {} to {staged}", file.display()))?;
    let checked = async {
        let copy = Store::connect(&format!("sqlite://{staged}")).await?;
        print_counts(&copy).await?;
        copy.close().await;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = checked {
        remove_staged();
        return Err(e.context(format!("{} is not a Polku database", file.display())));
    }
    for stale in [format!("{staged}-wal"), format!("{staged}-shm")] {
        let _ = std::fs::remove_file(stale);
    }
    let mut moved = Vec::new();
    let mut put_in_place = || -> anyhow::Result<()> {
        for part in parts {
            let from = format!("{target}{part}");
            if std::path::Path::new(&from).exists() {
                let to = format!("{aside}{part}");
                std::fs::rename(&from, &to).with_context(|| format!("moving {from} aside to {to}"))?;
                moved.push((from, to));
            }
        }
        std::fs::rename(&staged, target).with_context(|| format!("moving the restored database to {target}"))
    };
    if let Err(e) = put_in_place() {
        for (from, to) in moved.iter().rev() {
            let _ = std::fs::rename(to, from);
        }
        remove_staged();
        return Err(e);
    }
    println!("restored {} to {target}; `polku serve` applies any newer migrations", file.display());
    if !moved.is_empty() {
        println!("the database it replaced is kept as {aside} (delete it when the restore is confirmed)");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

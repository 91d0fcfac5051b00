//! `polku customer …` (export, erase, retention), `polku connection …` (shops and helpdesks) and `polku report
//! …` (the money figures, the journey map, the loyal customers): the command line beside the API and the
//! pages, acting as the system with an owner's rights.

use anyhow::Context;
use polku_app::App;
use polku_app::auth::Caller;
use polku_domain::OrgId;
use polku_domain::role::Role;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub(crate) enum CustomerCommand {
    /// Print everything stored about one customer as JSON (GDPR access request).
    Export {
        #[arg(long)]
        org: String,
        /// The customer's external id.
        customer: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Erase one customer's personal data; their orders and answers' scores stay in the figures, anonymous.
    Erase {
        #[arg(long)]
        org: String,
        customer: String,
        /// Required: erasing cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Set how many months personal data is kept (`off` keeps it); the server erases older data hourly.
    Retention {
        #[arg(long)]
        org: String,
        /// Months (1–240) or `off`.
        months: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum ConnectionCommand {
    /// Connect a shop or helpdesk; prints its endpoint URL (and the secret, if Polku made it).
    Add {
        #[arg(long)]
        org: String,
        /// shopify, woocommerce, zendesk or freshdesk.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// The sender's signing secret (Shopify, Zendesk), or leave out to have one made.
        #[arg(long, env = "POLKU_CONNECTION_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// Europe/Helsinki (default), Europe/Stockholm or UTC: where a helpdesk's times without an offset are.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// List connections with their endpoint URLs and what they received.
    List {
        #[arg(long)]
        org: String,
    },
    /// Remove a connection: its endpoint URL stops working.
    Remove {
        #[arg(long)]
        org: String,
        id: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// Retention and money: one table as CSV, or every figure as JSON with --json.
    Money {
        #[arg(long)]
        org: String,
        /// leaky-bucket, cohorts, by-experience, by-touchpoint, clv, support-by-month, support-by-stage or
        /// support-by-touchpoint.
        #[arg(long, default_value = "leaky-bucket")]
        table: String,
        /// Months up to this one (1–60, default 12).
        #[arg(long)]
        months: Option<i32>,
        /// Also the figures without the few customers who carry the most negative load.
        #[arg(long)]
        compare: bool,
        #[arg(long)]
        json: bool,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// The journey map's touchpoints as CSV (JSON with --json); the last 90 days with answers by default.
    Journey {
        #[arg(long)]
        org: String,
        /// First day, YYYY-MM-DD (with --to).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (with --from).
        #[arg(long)]
        to: Option<String>,
        /// Names of stages and touchpoints in fi, sv or en.
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        compare: bool,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// The loyal customers (repeat buyers who are promoters) as CSV (JSON with --json), to thank them.
    Loyal {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

async fn caller(app: &App, org: &str) -> anyhow::Result<Caller> {
    let org: OrgId = org.parse().context("--org must be an organisation id")?;
    app.store.org(org).await.map_err(|_| anyhow::anyhow!("no organisation {org}"))?;
    Ok(Caller { org, role: Role::Owner, actor: polku_app::Actor::System("cli") })
}

fn app_err(e: polku_app::AppError) -> anyhow::Error {
    let fields = e.field_errors();
    if fields.is_empty() {
        anyhow::anyhow!("{e}")
    } else {
        anyhow::anyhow!(
            "{}",
            fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        )
    }
}

/// As [`app_err`], for fields that are this command's flags: named as the flags (`--months`).
fn flag_err(e: polku_app::AppError) -> anyhow::Error {
    let fields = e.field_errors();
    if fields.is_empty() {
        return app_err(e);
    }
    anyhow::anyhow!("{}", fields.iter().map(|f| format!("--{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))
}

pub(crate) async fn customer(app: &App, command: CustomerCommand) -> anyhow::Result<ExitCode> {
    match command {
        CustomerCommand::Export { org, customer, out } => {
            let caller = caller(app, &org).await?;
            let data = polku_app::privacy::export(app, &caller, &customer).await.map_err(|e| match e {
                polku_app::AppError::NotFound => anyhow::anyhow!("no customer {customer:?} in this organisation"),
                other => app_err(other),
            })?;
            let json = serde_json::to_string_pretty(&data)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
                }
                None => println!("{json}"),
            }
        }
        CustomerCommand::Erase { org, customer, yes } => {
            let caller = caller(app, &org).await?;
            if !yes {
                anyhow::bail!("erasing cannot be undone: add --yes to erase {customer:?}");
            }
            let erased = polku_app::privacy::erase_cli(app, caller.org, &customer).await.map_err(|e| match e {
                polku_app::AppError::NotFound => anyhow::anyhow!("no customer {customer:?} in this organisation"),
                other => app_err(other),
            })?;
            println!(
                "erased: {} answer(s) no longer tied to them, {} open answer text(s) removed",
                erased.responses, erased.texts
            );
        }
        CustomerCommand::Retention { org, months } => {
            let caller = caller(app, &org).await?;
            let months = match months.trim() {
                "off" => None,
                m => Some(m.parse::<i64>().with_context(|| format!("{m:?} is not a number of months or off"))?),
            };
            polku_app::privacy::set_retention(app, &caller, months).await.map_err(app_err)?;
            match months {
                Some(m) => println!("personal data older than {m} month(s) will be erased hourly by the server"),
                None => println!("personal data is kept"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn connection(app: &App, command: ConnectionCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConnectionCommand::Add { org, kind, name, secret, time_zone } => {
            let caller = caller(app, &org).await?;
            let draft = polku_app::connections::ConnectionDraft { kind, name, secret, time_zone };
            let (c, made) = polku_app::connections::create(app, &caller, &draft).await.map_err(app_err)?;
            println!("{} connection {:?} ({})", c.kind, c.name, c.id);
            println!("endpoint URL: {}", polku_app::connections::endpoint_url(app, &c));
            if let Some(secret) = made {
                println!("secret (shown once): {secret}");
            }
        }
        ConnectionCommand::List { org } => {
            let caller = caller(app, &org).await?;
            for c in polku_app::connections::list(app, &caller).await.map_err(app_err)? {
                println!(
                    "{}\t{}\t{}\t{}\treceived {}\trefused {}{}",
                    c.id,
                    c.kind,
                    c.name,
                    polku_app::connections::endpoint_url(app, &c),
                    c.received,
                    c.rejected,
                    c.last_error.map(|e| format!("\tlast refusal: {e}")).unwrap_or_default()
                );
            }
        }
        ConnectionCommand::Remove { org, id } => {
            let caller = caller(app, &org).await?;
            let id: uuid::Uuid = id.parse().context("the id must be a connection id")?;
            polku_app::connections::delete(app, &caller, id).await.map_err(|e| match e {
                polku_app::AppError::NotFound => anyhow::anyhow!("no connection {id} in this organisation"),
                other => app_err(other),
            })?;
            println!("connection {id} removed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a report to `out` or standard output.
fn emit(out: Option<std::path::PathBuf>, body: Vec<u8>) -> anyhow::Result<()> {
    use std::io::Write;
    match out {
        Some(path) => std::fs::write(&path, body).with_context(|| format!("writing {}", path.display())),
        None => Ok(std::io::stdout().write_all(&body)?),
    }
}

fn json(v: &impl serde::Serialize) -> anyhow::Result<Vec<u8>> {
    let mut body = serde_json::to_vec_pretty(v)?;
    body.push(b'\n');
    Ok(body)
}

pub(crate) async fn report(app: &App, command: ReportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReportCommand::Money { org, table, months, compare, json: as_json, out } => {
            let caller = caller(app, &org).await?;
            if !polku_web::money_csv::PARTS.contains(&table.as_str()) {
                anyhow::bail!("--table: must be one of {}", polku_web::money_csv::PARTS.join(", "));
            }
            let m = polku_app::money::analyse(app, &caller, months, compare, polku_app::store::now())
                .await
                .map_err(flag_err)?;
            let body = if as_json {
                json(&m)?
            } else {
                polku_web::money_csv::table(&m, &table).context("unknown table")??
            };
            emit(out, body)?;
        }
        ReportCommand::Journey { org, from, to, lang, compare, json: as_json, out } => {
            let caller = caller(app, &org).await?;
            let day = |flag: &str, v: Option<String>| -> anyhow::Result<Option<time::Date>> {
                v.map(|v| {
                    time::Date::parse(&v, time::macros::format_description!("[year]-[month]-[day]"))
                        .map_err(|_| anyhow::anyhow!("{flag}: must be a date such as 2026-11-23, not {v:?}"))
                })
                .transpose()
            };
            let (from, to) = (day("--from", from)?, day("--to", to)?);
            if from.is_some() != to.is_some() {
                anyhow::bail!("give both --from and --to, or neither");
            }
            let locale = polku_domain::Locale::parse(&lang).context("--lang: must be fi, sv or en")?;
            let m = polku_app::journey::map(app, &caller, from, to, locale, compare).await.map_err(flag_err)?;
            emit(out, if as_json { json(&m)? } else { polku_web::money_csv::journey(&m)? })?;
        }
        ReportCommand::Loyal { org, json: as_json, out } => {
            let caller = caller(app, &org).await?;
            let rows = polku_app::money::loyal(app, &caller).await.map_err(app_err)?;
            emit(out, if as_json { json(&rows)? } else { polku_web::money_csv::loyal(&rows)? })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `polku bench inbox` times pages of the feedback inbox.
//!
//! `polku bench queries`: times the dashboard's two heaviest queries on the data set that `polku bench-data`
//! made, once from the rollups (what the product does) and once as a scan of the raw answers (what the
//! rollups save), and prints median and 95th percentile in milliseconds.
//!
//! Each timed run includes turning the counts into NPS with `polku_domain::metrics::nps`, because that is
//! part of the server's work for a chart. The raw scans must give the same counts as the rollups; the
//! command fails if they do not, so a fast but wrong query cannot pass as a result.

use anyhow::{Context, bail};
use clap::Subcommand;
use polku_domain::OrgId;
use polku_domain::calendar::Granularity;
use polku_domain::metrics::{self, Nps, ScoreCounts};
use polku_store::{BucketTouchpointRow, Comment, CommentFilter, GroupBy, RollupFilter, RollupRow, Store};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

/// Organisations made by `polku bench-data` are named `"Bench Oy <unix time>"`.
const BENCH_ORG_PREFIX: &str = "Bench Oy";

#[derive(Subcommand)]
pub(crate) enum BenchCommand {
    /// Time "NPS per week × touchpoint for one year" and "NPS per channel for 90 days", from the rollups
    /// and from the raw answers, on the newest organisation made by `polku bench-data`.
    Queries(QueriesArgs),
    /// Time pages of the feedback inbox (50 comments, newest first) with and without filters, on the newest
    /// organisation made by `polku bench-data` (run `polku reanalyse` first on a data set made before
    /// comments were analysed at ingestion).
    Inbox(InboxArgs),
    /// Time the insights (key drivers and emerging topics) for the last 30 and 90 days of the newest
    /// organisation made by `polku bench-data`.
    Insights(InboxArgs),
    /// Time the pages of customers and money — the journey map, and the money analyses (leaky bucket,
    /// cohorts, by experience) for 12 and 24 months, alone and compared without the few — on the newest
    /// organisation made by `polku bench-data` with `--customers`.
    Money(InboxArgs),
    /// Write a CSV file of `--rows` orders of `--customers` customers over two years (deterministic, for
    /// timing `polku import orders`).
    OrdersCsv(OrdersCsvArgs),
}

#[derive(clap::Args)]
pub(crate) struct OrdersCsvArgs {
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    #[arg(long, default_value_t = 100_000)]
    customers: usize,
    #[arg(long)]
    out: std::path::PathBuf,
}

/// Orders as a shop exports them: ids, customers drawn unevenly (some buy often), times, amounts with
/// decimal commas now and then, statuses mostly paid.
fn orders_csv(args: OrdersCsvArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let mut rng = polku_domain::rng::SplitMix64::new(2026);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args.out)?);
    writeln!(out, "external_id,customer,placed_at,amount,currency,items,status")?;
    let start = time::macros::datetime!(2024-11-23 00:00 UTC).unix_timestamp();
    let statuses = ["paid", "paid", "paid", "fulfilled", "fulfilled", "placed", "refunded", "cancelled"];
    for i in 0..args.rows {
        let c = (rng.below(args.customers as u64) * rng.below(args.customers as u64)) / args.customers as u64;
        let t = time::OffsetDateTime::from_unix_timestamp(start + rng.below(2 * 365 * 86_400) as i64)?;
        let cents = 500 + rng.below(50_000);
        let amount = if i % 7 == 0 {
            format!("\"{},{:02}\"", cents / 100, cents % 100)
        } else {
            format!("{}.{:02}", cents / 100, cents % 100)
        };
        let status = statuses[rng.below(statuses.len() as u64) as usize];
        let placed = t.format(&time::format_description::well_known::Rfc3339)?;
        writeln!(out, "O-{i},C-{c},{placed},{amount},EUR,{},{status}", 1 + rng.below(4))?;
    }
    out.flush()?;
    println!("{} orders of up to {} customers written to {}", args.rows, args.customers, args.out.display());
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub(crate) struct InboxArgs {
    /// Timed runs of each page.
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Untimed runs before the timed ones.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
}

#[derive(clap::Args)]
pub(crate) struct QueriesArgs {
    /// Timed runs of each rollup query.
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Untimed runs before the timed ones, so that caches are warm.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Timed runs of each raw scan (default: --iterations). A scan of millions of answers takes seconds.
    #[arg(long)]
    raw_iterations: Option<usize>,
    /// Untimed runs of each raw scan (default: --warmup).
    #[arg(long)]
    raw_warmup: Option<usize>,
    /// Time only the rollup queries.
    #[arg(long)]
    skip_raw: bool,
}

/// One NPS per group, keyed so that rollup and raw results can be compared.
type NpsTable<K> = BTreeMap<K, Nps>;

pub(crate) async fn run(store: &Store, command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Queries(args) => queries(store, args).await,
        BenchCommand::Inbox(args) => inbox(store, args).await,
        BenchCommand::Insights(args) => insights(store, args).await,
        BenchCommand::Money(args) => money(store, args).await,
        BenchCommand::OrdersCsv(args) => orders_csv(args),
    }
}

async fn bench_org(store: &Store) -> anyhow::Result<polku_store::Organisation> {
    store
        .orgs()
        .await?
        .into_iter()
        .rfind(|o| o.name.starts_with(BENCH_ORG_PREFIX))
        .context("no organisation made by `polku bench-data` in this database")
}

/// The bench organisation and its newest comment, for the commands that time comment pages.
async fn bench_comments(store: &Store, args: &InboxArgs) -> anyhow::Result<(polku_store::Organisation, Comment)> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let org = bench_org(store).await?;
    let newest = store.comments(&CommentFilter::new(OrgId(org.id)), 1).await?;
    let Some(newest) = newest.into_iter().next() else { bail!("the bench organisation has no comments") };
    println!("backend {:?}, organisation {:?}", store.backend(), org.name);
    Ok((org, newest))
}

async fn inbox(store: &Store, args: InboxArgs) -> anyhow::Result<ExitCode> {
    let (org, newest) = bench_comments(store, &args).await?;
    let all = CommentFilter::new(OrgId(org.id));
    if newest.polarity.is_none() {
        println!("warning: the newest comment is not analysed; tone and theme filters will scan further than usual");
    }
    let year_ago = newest.submitted_at - time::Duration::days(365);
    let page = polku_app::comments::INBOX_PAGE + 1;
    println!(
        "{:<52} {:>7} {:>10} {:>10} {:>5}",
        "inbox page (50 comments + 1 to know there is more)", "rows", "median ms", "p95 ms", "runs"
    );
    // The lemmatizer `polku bench-data` used for the search terms (libvoikko when installed).
    let analyzer = polku_domain::text::Analyzer::builder().lemmatizer(polku_voikko::lemmatizer().0).build();
    let search = |q: &str| CommentFilter { search: analyzer.search_query(q), ..all.clone() };
    let text = |v: &str| Some(v.to_string());
    // An order number that one comment mentions (bench data writes "Tilaus NNNNNN." into some).
    let order = store
        .comments(&search("tilaus"), 1)
        .await?
        .first()
        .and_then(|c| {
            c.text.split("Tilaus ").nth(1).map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        })
        .unwrap_or_else(|| "654321".to_string());
    let cases: Vec<(&str, CommentFilter)> = vec![
        ("newest, no filter", all.clone()),
        ("tone negative", CommentFilter { polarity: text("negative"), ..all.clone() }),
        ("unread only", CommentFilter { unread: true, ..all.clone() }),
        ("theme price", CommentFilter { theme: text("price"), ..all.clone() }),
        (
            "theme cleanliness, tone negative",
            CommentFilter { theme: text("cleanliness"), polarity: text("negative"), ..all.clone() },
        ),
        (
            "detractors (score 0-6), theme delivery",
            CommentFilter { score_max: Some(6), theme: text("delivery"), ..all.clone() },
        ),
        (
            "channel kiosk, tone positive",
            CommentFilter { channel: text("kiosk"), polarity: text("positive"), ..all.clone() },
        ),
        (
            "language sv, touchpoint invoice",
            CommentFilter { language: text("sv"), touchpoint: text("invoice"), ..all.clone() },
        ),
        ("one customer", CommentFilter { customer: text("c-4242"), ..all.clone() }),
        (
            "one month a year ago",
            CommentFilter { from: Some(year_ago - time::Duration::days(30)), to: Some(year_ago), ..all.clone() },
        ),
        (
            "touchpoint matching nothing (reads every entry)",
            CommentFilter { touchpoint: text("no-such"), ..all.clone() },
        ),
        ("search \"laskussa\" (common, inflected)", search("laskussa")),
        ("search \"toimitus myöhässä\" (two words)", search("toimitus myöhässä")),
        ("search \"verkko*\" (prefix)", search("verkko*")),
        ("search \"leverans\", tone negative", CommentFilter { polarity: text("negative"), ..search("leverans") }),
        ("search an order number (one or two comments)", search(&order)),
        ("search a word no comment has", search("sähköauto")),
    ];
    for (label, filter) in cases {
        let filter = &filter;
        time(label, args.warmup, args.iterations, || async move { Ok(store.comments(filter, page).await?) }).await?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn queries(store: &Store, args: QueriesArgs) -> anyhow::Result<ExitCode> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let org = bench_org(store).await?;
    let org_id = OrgId(org.id);
    let (_, last) = store.rollup_span(org_id).await?.context("the bench organisation has no responses")?;
    let responses = store.response_count(org_id, None).await?;
    let year = RollupFilter { org: org_id, survey: None, from_day: last - 364, to_day: last };
    let quarter = RollupFilter { from_day: last - 89, ..year };
    println!("backend {:?}, organisation {:?}: {responses} responses", store.backend(), org.name);
    println!(
        "one year = days {}..={}, 90 days = days {}..={} (days since 1970-01-01)",
        year.from_day, year.to_day, quarter.from_day, quarter.to_day
    );
    println!("{:<52} {:>7} {:>10} {:>10} {:>5}", "query", "groups", "median ms", "p95 ms", "runs");

    let week_tp = time("NPS per week × touchpoint, 1 year (rollups)", args.warmup, args.iterations, || async move {
        Ok(by_bucket_and_touchpoint(&store.rollup_by_bucket_and_touchpoint(year, Granularity::Week).await?))
    })
    .await?;
    let channel = time("NPS per channel, 90 days (rollups)", args.warmup, args.iterations, || async move {
        Ok(by_group(&store.rollup(quarter, GroupBy::Channel).await?))
    })
    .await?;
    if args.skip_raw {
        return Ok(ExitCode::SUCCESS);
    }

    let (raw_iterations, raw_warmup) =
        (args.raw_iterations.unwrap_or(args.iterations), args.raw_warmup.unwrap_or(args.warmup));
    if raw_iterations == 0 {
        bail!("--raw-iterations must be at least 1");
    }
    let raw_week_tp =
        time("NPS per week × touchpoint, 1 year (raw answers scan)", raw_warmup, raw_iterations, || async move {
            Ok(by_bucket_and_touchpoint(&store.raw_nps_scan_by_bucket_and_touchpoint(year, Granularity::Week).await?))
        })
        .await?;
    let raw_channel = time("NPS per channel, 90 days (raw answers scan)", raw_warmup, raw_iterations, || async move {
        Ok(by_group(&store.raw_nps_scan(quarter, GroupBy::Channel).await?))
    })
    .await?;
    if raw_week_tp != week_tp || raw_channel != channel {
        bail!("the raw scans disagree with the rollups; run `polku verify`");
    }
    println!("raw scans agree with the rollups");
    Ok(ExitCode::SUCCESS)
}

/// Runs `query` `warmup` times untimed and `iterations` times timed, prints one table line and returns the
/// last result.
async fn time<T, F, Fut>(label: &str, warmup: usize, iterations: usize, query: F) -> anyhow::Result<T>
where
    T: Groups,
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    for _ in 0..warmup {
        query().await.with_context(|| format!("running {label}"))?;
    }
    let mut ms = Vec::with_capacity(iterations);
    let mut last = None;
    for _ in 0..iterations {
        let t = Instant::now();
        let out = query().await.with_context(|| format!("running {label}"))?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(out);
    }
    ms.sort_by(f64::total_cmp);
    let last = last.expect("at least one iteration");
    println!("{label:<52} {:>7} {:>10.2} {:>10.2} {:>5}", last.groups(), median(&ms), p95(&ms), ms.len());
    Ok(last)
}

/// How many groups (chart points) a result has, for the table.
trait Groups {
    fn groups(&self) -> usize;
}

impl<K> Groups for NpsTable<K> {
    fn groups(&self) -> usize {
        self.len()
    }
}

async fn insights(store: &Store, args: InboxArgs) -> anyhow::Result<ExitCode> {
    let (org, newest) = bench_comments(store, &args).await?;
    // The store alone, without the HTTP layer: an app over the same store, as the server has.
    let (app, _writer) = polku_app::App::start(store.clone(), polku_app::AppConfig::default());
    let caller = polku_app::auth::Caller {
        org: OrgId(org.id),
        role: polku_domain::role::Role::Owner,
        actor: polku_store::Actor::System("bench"),
    };
    let to = newest.submitted_at.date();
    println!(
        "{:<52} {:>7} {:>10} {:>10} {:>5}",
        "insights (drivers + emerging)", "themes", "median ms", "p95 ms", "runs"
    );
    for days in [30, 90] {
        let q = polku_app::insights::InsightQuery { survey: None, from: to - time::Duration::days(days - 1), to };
        let (app, caller) = (&app, &caller);
        let label = format!("last {days} days (baseline: the {} before)", days * 3);
        time(&label, args.warmup, args.iterations, || async move {
            Ok(InsightsRun(polku_app::insights::insights(app, caller, &q).await.context("computing the insights")?))
        })
        .await?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn money(store: &Store, args: InboxArgs) -> anyhow::Result<ExitCode> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let org = bench_org(store).await?;
    let (app, _writer) = polku_app::App::start(store.clone(), polku_app::AppConfig::default());
    let caller = polku_app::auth::Caller {
        org: OrgId(org.id),
        role: polku_domain::role::Role::Owner,
        actor: polku_store::Actor::System("bench"),
    };
    let counts = store.customer_data_counts(OrgId(org.id)).await?;
    println!("{} customers, {} orders, {} support contacts", counts[0], counts[1], counts[2]);
    if counts[0] == 0 {
        bail!(
            "the bench organisation has no customers: run `polku bench-data --customers 100000 --orders 1000000 --contacts 200000`"
        );
    }
    let t = Instant::now();
    let n = store.refresh_summaries(Some(OrgId(org.id)), usize::MAX).await?;
    println!(
        "{n} customer summaries recomputed first in {:.1} s (the pages then read one row per customer)",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let h = polku_app::histories::current(&app, OrgId(org.id)).await.context("reading the histories")?;
    println!(
        "{} customers' histories read into this node in {:.0} ms (once; later reads take only what changed)",
        h.ids.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    println!("{:<52} {:>7} {:>10} {:>10} {:>5}", "page", "rows", "median ms", "p95 ms", "runs");
    let (app, caller) = (&app, &caller);
    let now = polku_app::store::now();
    for compare in [false, true] {
        let label = format!(
            "journey map (last 90 days, with pain points){}",
            if compare { ", and without the few" } else { "" }
        );
        time(&label, args.warmup, args.iterations, || async move {
            let m = polku_app::journey::map(app, caller, None, None, polku_domain::Locale::Fi, compare)
                .await
                .context("writing benchmark orders")?;
            Ok(Rows(m.all.stages.iter().map(|s| s.touchpoints.len()).sum::<usize>() + m.all.unplaced.len()))
        })
        .await?;
    }
    for (months, compare) in [(12, false), (24, false), (12, true)] {
        let label = format!("money: {months} months{}", if compare { ", and without the few" } else { "" });
        time(&label, args.warmup, args.iterations, || async move {
            let m = polku_app::money::analyse(app, caller, Some(months), compare, now)
                .await
                .context("reading the money figures")?;
            Ok(Rows(m.all.leaky_bucket.len() + m.all.cohorts.len() + m.all.by_experience.groups.len()))
        })
        .await?;
    }
    // A busy shop: orders keep arriving between page views. Each run first writes 50 new orders of random
    // customers (not timed), then times the page, which recomputes and reads those customers.
    let run = polku_app::store::now().unix_timestamp();
    let mut rng = run as u64;
    let mut ms = Vec::with_capacity(args.iterations);
    for i in 0..args.warmup + args.iterations {
        let orders = (0..50)
            .map(|k| {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                polku_domain::customers::Order {
                    external_id: format!("bench-{run}-{i}-{k}"),
                    customer: format!("c-{}", (rng >> 33) % counts[0] as u64),
                    placed_at: now,
                    amount_cents: 4_900,
                    currency: "EUR".into(),
                    items: 1,
                    status: polku_domain::customers::OrderStatus::Paid,
                    version: None,
                }
            })
            .collect();
        let data = polku_domain::activity::CustomerData { orders, ..Default::default() };
        polku_app::customers::write(app, OrgId(org.id), &data, |_| {})
            .await
            .context("writing benchmark customer data")?;
        let t = Instant::now();
        polku_app::money::analyse(app, caller, Some(12), false, now).await.context("reading the money figures")?;
        if i >= args.warmup {
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "{:<52} {:>7} {:>10.2} {:>10.2} {:>5}",
        "money: 12 months, 50 new orders before each",
        50,
        median(&ms),
        p95(&ms),
        ms.len()
    );
    Ok(ExitCode::SUCCESS)
}

struct Rows(usize);

impl Groups for Rows {
    fn groups(&self) -> usize {
        self.0
    }
}

struct InsightsRun(polku_app::insights::Insights);

impl Groups for InsightsRun {
    fn groups(&self) -> usize {
        self.0.themes.len()
    }
}

impl Groups for Vec<Comment> {
    fn groups(&self) -> usize {
        self.len()
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Nearest-rank 95th percentile: with 20 runs, the 19th fastest.
fn p95(sorted: &[f64]) -> f64 {
    let rank = (sorted.len() as f64 * 0.95).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn by_bucket_and_touchpoint(rows: &[BucketTouchpointRow]) -> NpsTable<(i64, String)> {
    let mut counts: BTreeMap<(i64, String), ScoreCounts> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind == "nps") {
        counts.entry((r.bucket, r.touchpoint.clone())).or_insert_with(ScoreCounts::nps).add(r.score as i16, r.n as u64);
    }
    counts.into_iter().map(|(k, c)| (k, metrics::nps(&c))).collect()
}

fn by_group(rows: &[RollupRow]) -> NpsTable<String> {
    let mut counts: BTreeMap<String, ScoreCounts> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind == "nps") {
        counts.entry(r.group.clone()).or_insert_with(ScoreCounts::nps).add(r.score as i16, r.n as u64);
    }
    counts.into_iter().map(|(k, c)| (k, metrics::nps(&c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_p95() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!((median(&v), p95(&v)), (10.5, 19.0));
        assert_eq!((median(&[3.0]), p95(&[3.0])), (3.0, 3.0));
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
    }
}

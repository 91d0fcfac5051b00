//! Seeded demo data for a fictional Finnish painting and renovation company with a small web shop,
//! "Maalaamo Sivellin Oy": customers, four surveys and about 18 months of responses with comments in
//! Finnish, Swedish and English.
//!
//! Everything here is pure and deterministic: the only source of randomness is [`SplitMix64`], so the same
//! seed, end time and target always give identical data, which lets screenshots, docs and tests rely on it.
//! The data is not uniform noise. The generator plants patterns on purpose so that the product has
//! something to find: growth over time, a spring/summer painting season, touchpoints that differ (arrival,
//! clean-up and invoicing worse; quotes and work quality better), a scheduling fix that visibly improves the
//! "arrival" touchpoint over the last four months, a billing-system change that briefly sends paper-invoice
//! customers e-mail invoices, a Christmas parcel rush, and card payments failing at the web-shop checkout in the
//! last 18 days (an emerging topic for the insights page). Each effect is marked "Planted effect" below.

use crate::locale::Locale;
use crate::rng::SplitMix64;
use crate::survey::{BandDraft, FollowUpDraft, OptionDraft, QuestionDraft, SurveyDraft};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};

/// A customer of the demo company.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoCustomer {
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub locale: Locale,
}

/// A survey as the admin would have typed it; the caller validates it.
#[derive(Clone, Debug)]
pub struct DemoSurvey {
    pub draft: SurveyDraft,
}

/// One response, with its answers keyed by question key exactly as the API accepts them.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoResponse {
    /// Index into [`DemoData::surveys`].
    pub survey: usize,
    /// Index into [`DemoData::customers`].
    pub customer: usize,
    /// In UTC, whole seconds.
    pub submitted_at: OffsetDateTime,
    pub channel: &'static str,
    pub touchpoint: &'static str,
    pub locale: Locale,
    pub answers: Vec<(String, Value)>,
    /// Two in five let their comment be shown to the staff; two in three customers may be contacted.
    /// Derived from the customer and time, not drawn from the generator, so the rest of the data is as before.
    pub consent: crate::response::Consent,
}

#[derive(Clone, Debug)]
pub struct DemoData {
    pub org_name: String,
    pub customers: Vec<DemoCustomer>,
    pub surveys: Vec<DemoSurvey>,
    /// In chronological order.
    pub responses: Vec<DemoResponse>,
}

/// Generates the demo organisation's data: about `target_responses` responses (exactly that many unless the
/// window is empty) over the 18 months before `end`, about 3,000 customers per 20,000 responses.
pub fn generate(seed: u64, end: OffsetDateTime, target_responses: usize) -> DemoData {
    let end = end.to_offset(UtcOffset::UTC);
    let mut rng = SplitMix64::new(seed);
    let n_customers = ((3000.0 * target_responses as f64 / 20_000.0).round() as usize).max(50);
    let (customers, bias) = make_customers(&mut rng, n_customers);
    let days = plan_days(&mut rng, end, target_responses);
    let mut g = Gen {
        rng,
        end,
        window_start: end - Duration::days(WINDOW_DAYS),
        painting_pool: (0, (n_customers * 78).div_ceil(100)),
        shop_pool: (n_customers * 42 / 100, n_customers),
        recent_jobs: Vec::with_capacity(RECENT_JOBS),
        bias,
        seen: vec![false; n_customers],
        made: 0,
        target: target_responses.max(1),
    };
    let mut responses = Vec::with_capacity(target_responses);
    for day in &days {
        let first = responses.len();
        for _ in 0..day.count {
            responses.push(g.response(day, &customers));
        }
        responses[first..].sort_by_key(|r: &DemoResponse| r.submitted_at);
    }
    DemoData { org_name: ORG_NAME.to_string(), customers, surveys: surveys(), responses }
}

const ORG_NAME: &str = "Maalaamo Sivellin Oy";
/// The strict window: 18 calendar months are never shorter than 546 days (365 + the shortest six months).
const WINDOW_DAYS: i64 = 546;
/// Days planned back from the end date; a local day can start up to 27 hours before its UTC date ends, so
/// this keeps every timestamp inside the window.
const PLANNED_DAYS: i64 = 544;
const RECENT_JOBS: usize = 24;

const NPS_SURVEY: usize = 0;
const CSAT_SURVEY: usize = 1;
const CES_SURVEY: usize = 2;
const KIOSK_SURVEY: usize = 3;

// ---- surveys ---------------------------------------------------------------------------------------------

fn tr(fi: &str, sv: &str, en: &str) -> BTreeMap<String, String> {
    [("fi", fi), ("sv", sv), ("en", en)].into_iter().map(|(l, t)| (l.to_string(), t.to_string())).collect()
}

fn question(key: &str, kind: &str, required: bool, text: BTreeMap<String, String>) -> QuestionDraft {
    QuestionDraft { key: key.into(), kind: kind.into(), required, text, ..QuestionDraft::default() }
}

fn options(items: &[(&str, &str, &str, &str)]) -> Vec<OptionDraft> {
    items.iter().map(|(key, fi, sv, en)| OptionDraft::Full { key: (*key).into(), text: tr(fi, sv, en) }).collect()
}

fn survey(name: &str, questions: Vec<QuestionDraft>) -> DemoSurvey {
    DemoSurvey {
        draft: SurveyDraft { name: name.into(), locales: vec!["fi".into(), "sv".into(), "en".into()], questions },
    }
}

fn surveys() -> Vec<DemoSurvey> {
    let band = |min, max, fi, sv, en| BandDraft { min, max, text: tr(fi, sv, en) };
    let why = QuestionDraft {
        follow_up: Some(FollowUpDraft {
            after: "nps".into(),
            bands: vec![
                band(
                    0,
                    6,
                    "Olemme pahoillamme. Mikä meni pieleen ja mitä meidän olisi pitänyt tehdä toisin?",
                    "Det beklagar vi. Vad gick fel och vad borde vi ha gjort annorlunda?",
                    "We're sorry to hear that. What went wrong, and what should we have done differently?",
                ),
                band(
                    7,
                    8,
                    "Kiitos! Mitä olisimme voineet tehdä paremmin, jotta antaisit 9 tai 10?",
                    "Tack! Vad kunde vi ha gjort bättre för att du skulle ge oss 9 eller 10?",
                    "Thank you! What could we have done better to earn a 9 or a 10?",
                ),
                band(
                    9,
                    10,
                    "Mahtavaa kuulla! Mikä onnistui erityisen hyvin?",
                    "Vad roligt att höra! Vad gick särskilt bra?",
                    "Great to hear! What went especially well?",
                ),
            ],
        }),
        ..question(
            "why",
            "text",
            false,
            tr(
                "Kerro vielä omin sanoin, mihin arviosi perustuu.",
                "Berätta gärna med egna ord vad ditt betyg grundar sig på.",
                "Tell us in your own words what your score is based on.",
            ),
        )
    };
    let heard = QuestionDraft {
        options: options(&[
            (
                "google",
                "Googlesta tai muusta hakukoneesta",
                "Google eller annan sökmotor",
                "Google or another search engine",
            ),
            ("friend", "Ystävältä tai tutulta", "Av en vän eller bekant", "From a friend or acquaintance"),
            ("facebook", "Facebookista", "Facebook", "Facebook"),
            ("instagram", "Instagramista", "Instagram", "Instagram"),
            ("ad", "Lehti- tai radiomainoksesta", "Tidnings- eller radioreklam", "A newspaper or radio ad"),
            (
                "earlier-customer",
                "Olen ollut asiakkaananne ennenkin",
                "Jag har varit kund hos er tidigare",
                "I've been your customer before",
            ),
            ("other", "Muualta", "Någon annanstans", "Somewhere else"),
        ]),
        ..question(
            "heard",
            "single",
            false,
            tr(
                "Mistä kuulit meistä ensimmäisen kerran?",
                "Var hörde du om oss första gången?",
                "Where did you first hear about us?",
            ),
        )
    };
    let topic = QuestionDraft {
        options: options(&[
            ("paint", "Maalit", "Färg", "Paint"),
            ("tools", "Työkalut ja tarvikkeet", "Verktyg och tillbehör", "Tools and supplies"),
            ("colour-advice", "Sävyneuvonta", "Kulörrådgivning", "Colour advice"),
            ("wallpaper", "Tapetit", "Tapeter", "Wallpaper"),
            ("pickup", "Verkkotilauksen nouto", "Hämtning av webbeställning", "Collecting a web order"),
        ]),
        ..question(
            "topic",
            "single",
            false,
            tr("Mitä asioit tänään?", "Vad uträttade du i dag?", "What did you come in for today?"),
        )
    };
    vec![
        survey(
            "Suositteluhalukkuus työn jälkeen (NPS)",
            vec![
                question(
                    "nps",
                    "nps",
                    true,
                    tr(
                        "Kuinka todennäköisesti suosittelisit Maalaamo Sivellintä ystävällesi tai kollegallesi?",
                        "Hur sannolikt är det att du skulle rekommendera Maalaamo Sivellin till en vän eller kollega?",
                        "How likely are you to recommend Maalaamo Sivellin to a friend or colleague?",
                    ),
                ),
                why,
                heard,
            ],
        ),
        survey(
            "Tyytyväisyys palvelutilanteeseen (CSAT)",
            vec![
                question(
                    "csat",
                    "csat",
                    true,
                    tr(
                        "Kuinka tyytyväinen olit palveluumme tässä vaiheessa?",
                        "Hur nöjd var du med vår service i det här skedet?",
                        "How satisfied were you with our service at this stage?",
                    ),
                ),
                question(
                    "comment",
                    "text",
                    false,
                    tr("Haluatko kertoa tarkemmin?", "Vill du berätta mer?", "Would you like to tell us more?"),
                ),
            ],
        ),
        survey(
            "Verkkokaupan asioinnin helppous (CES)",
            vec![
                question(
                    "ces",
                    "ces",
                    true,
                    tr(
                        "Kuinka helppoa asiointi verkkokaupassamme oli? (1 = erittäin vaikeaa, 7 = erittäin helppoa)",
                        "Hur lätt var det att handla i vår webbutik? (1 = mycket svårt, 7 = mycket lätt)",
                        "How easy was it to deal with our web shop? (1 = very difficult, 7 = very easy)",
                    ),
                ),
                question(
                    "comment",
                    "text",
                    false,
                    tr(
                        "Kerro halutessasi lisää kokemuksestasi.",
                        "Berätta gärna mer om din upplevelse.",
                        "Feel free to tell us more about your experience.",
                    ),
                ),
            ],
        ),
        survey(
            "Myymälän hymiökysely",
            vec![
                question(
                    "csat",
                    "csat",
                    true,
                    tr("Miten onnistuimme tänään?", "Hur lyckades vi i dag?", "How did we do today?"),
                ),
                topic,
                question(
                    "comment",
                    "text",
                    false,
                    tr(
                        "Terveiset myymälälle (vapaaehtoinen)",
                        "Hälsningar till butiken (frivilligt)",
                        "A message for the shop (optional)",
                    ),
                ),
            ],
        ),
    ]
}

// ---- customers -------------------------------------------------------------------------------------------

#[rustfmt::skip]
const FI_FIRST: &[&str] = &[
    "Aino", "Anna", "Anne", "Anni", "Eeva", "Elina", "Ella", "Emma", "Hanna", "Heidi", "Helena", "Iida",
    "Jenni", "Johanna", "Kaisa", "Katja", "Kirsi", "Krista", "Laura", "Leena", "Liisa", "Maria", "Marja",
    "Minna", "Noora", "Oona", "Päivi", "Pirjo", "Riikka", "Sanna", "Sari", "Satu", "Sofia", "Suvi", "Tiina",
    "Tuula", "Venla", "Aleksi", "Antti", "Ari", "Eero", "Eino", "Esa", "Hannu", "Heikki", "Ilkka", "Jaakko",
    "Janne", "Jari", "Joni", "Juha", "Juho", "Jukka", "Jussi", "Kalle", "Kari", "Lauri", "Markku", "Matti",
    "Mika", "Mikko", "Niko", "Olli", "Onni", "Pekka", "Petri", "Sami", "Teemu", "Timo", "Tuomas", "Veli-Matti",
    "Ville", "Väinö",
];
#[rustfmt::skip]
const FI_LAST: &[&str] = &[
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
    "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen",
    "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila",
    "Savolainen", "Lahtinen", "Ahonen", "Manninen", "Hiltunen", "Hakala", "Leinonen", "Miettinen", "Räsänen",
    "Pitkänen", "Kettunen", "Aaltonen", "Väisänen", "Peltonen", "Laaksonen", "Lappalainen", "Ojala", "Anttila",
    "Mustonen", "Kärkkäinen", "Seppälä", "Ketola", "Huttunen", "Koivisto", "Rautio", "Sirola", "Vainio",
];
#[rustfmt::skip]
const SV_FIRST: &[&str] = &[
    "Alva", "Annika", "Camilla", "Ebba", "Ellen", "Elsa", "Emilia", "Gunilla", "Ida", "Linnea", "Malin",
    "Marina", "Matilda", "Pia", "Wilma", "Anders", "Axel", "Björn", "Elias", "Fredrik", "Henrik", "Johan",
    "Kristian", "Lucas", "Mats", "Mikael", "Nils", "Oskar", "Patrik", "Rasmus", "Stefan", "Ulf",
];
#[rustfmt::skip]
const SV_LAST: &[&str] = &[
    "Lindqvist", "Lindholm", "Nyström", "Johansson", "Andersson", "Karlsson", "Eriksson", "Nyman", "Holmström",
    "Sjöberg", "Forsman", "Lindberg", "Wikström", "Björklund", "Söderström", "Grönroos", "Backman", "Sundqvist",
    "Ekholm", "Strömberg", "Blomqvist", "Åberg", "Westerlund", "Granholm", "Fagerström", "Mattsson",
    "Gustafsson", "Holm", "Lindroos", "Enckell",
];
#[rustfmt::skip]
const EN_FIRST: &[&str] = &[
    "James", "Oliver", "Daniel", "Michael", "David", "Thomas", "Ryan", "Ben", "Sam", "Chris", "Arjun", "Carlos",
    "Wei", "Emily", "Sarah", "Hannah", "Laura", "Rachel", "Jessica", "Olivia", "Kate", "Sophie", "Lucy",
    "Priya", "Elena", "Ana",
];
#[rustfmt::skip]
const EN_LAST: &[&str] = &[
    "Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Robinson", "Thompson",
    "Hughes", "Edwards", "Murphy", "O'Brien", "Kelly", "Patel", "Singh", "Chen", "Garcia", "Novak", "Kowalski",
    "Müller", "Rossi", "Fernandes",
];

/// Lower-case ASCII for an e-mail local part: Nordic letters folded, apostrophes and spaces dropped.
fn email_part(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'ä' | 'å' | 'á' | 'à' => Some('a'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'é' | 'è' => Some('e'),
            'a'..='z' | '0'..='9' | '-' => Some(c),
            _ => None,
        })
        .collect()
}

/// Customers in the order they first bought, with a personal mood offset each (some people are simply
/// harder to please), which keeps one customer's answers correlated.
fn make_customers(rng: &mut SplitMix64, n: usize) -> (Vec<DemoCustomer>, Vec<f64>) {
    let mut customers = Vec::with_capacity(n);
    let mut bias = Vec::with_capacity(n);
    let mut emails = HashSet::with_capacity(n);
    for i in 0..n {
        let group = rng.next_f64();
        let (first, last, locale, domains): (&str, &str, Locale, &[(&str, f64)]) = if group < 0.80 {
            let domains = &[("example.fi", 0.7), ("example.com", 0.3)];
            (*rng.pick(FI_FIRST), *rng.pick(FI_LAST), Locale::Fi, domains)
        } else if group < 0.92 {
            // Most Finland-Swedes answer in Swedish, some bilinguals in Finnish.
            let locale = if rng.chance(0.85) { Locale::Sv } else { Locale::Fi };
            (*rng.pick(SV_FIRST), *rng.pick(SV_LAST), locale, &[("example.fi", 0.6), ("example.com", 0.4)])
        } else {
            let domains = &[("example.com", 0.6), ("example.org", 0.2), ("example.net", 0.2)];
            (*rng.pick(EN_FIRST), *rng.pick(EN_LAST), Locale::En, domains)
        };
        let weights: Vec<f64> = domains.iter().map(|d| d.1).collect();
        let domain = domains[rng.weighted(&weights)].0;
        let local = format!("{}.{}", email_part(first), email_part(last));
        let mut email = format!("{local}@{domain}");
        let mut k = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{k}@{domain}");
            k += 1;
        }
        customers.push(DemoCustomer {
            external_id: format!("SIV-{:05}", i + 1),
            name: format!("{first} {last}"),
            email,
            locale,
        });
        bias.push(normal(rng) * 0.55);
    }
    (customers, bias)
}

// ---- calendar and volume ---------------------------------------------------------------------------------

/// Painting volume by month (Jan..Dec): outdoor season in spring and summer, a quiet winter.
const SEASON_JOB: [f64; 12] = [0.40, 0.42, 0.60, 0.90, 1.30, 1.55, 1.35, 1.50, 1.20, 0.85, 0.60, 0.45];
/// Shop volume by month: people buy paint before the season, and tools before Christmas.
const SEASON_SHOP: [f64; 12] = [0.80, 0.75, 0.95, 1.15, 1.30, 1.25, 1.05, 1.10, 1.00, 0.90, 1.00, 1.10];
/// By weekday (Mon..Sun): jobs are done on weekdays; the web shop is busiest on Sunday evenings.
const WEEKDAY_JOB: [f64; 7] = [1.05, 1.10, 1.10, 1.05, 1.00, 0.55, 0.45];
const WEEKDAY_SHOP: [f64; 7] = [1.00, 0.95, 0.95, 0.95, 0.90, 0.95, 1.20];
const WEEKDAY_KIOSK: [f64; 7] = [1.00, 1.00, 1.00, 1.05, 1.10, 0.80, 0.0];
/// Share of the surveys' volume before seasonality: NPS, CSAT, CES, kiosk.
const SURVEY_SHARE: [f64; 4] = [0.40, 0.30, 0.18, 0.12];

/// Local (Helsinki) hour of day weights per kind of channel.
const HOURS_EMAIL: [f64; 24] = [
    0.15, 0.08, 0.04, 0.03, 0.03, 0.10, 0.40, 0.90, 1.30, 1.30, 1.20, 1.20, 1.40, 1.20, 1.10, 1.20, 1.50, 1.80, 2.00,
    2.20, 2.20, 1.90, 1.20, 0.50,
];
const HOURS_SMS: [f64; 24] = [
    0.05, 0.02, 0.01, 0.01, 0.01, 0.05, 0.20, 0.60, 0.90, 1.00, 1.10, 1.30, 1.50, 1.60, 1.80, 2.00, 2.20, 2.10, 1.90,
    1.70, 1.40, 1.00, 0.50, 0.20,
];
const HOURS_WEB: [f64; 24] = [
    0.30, 0.15, 0.08, 0.05, 0.05, 0.10, 0.30, 0.60, 0.90, 1.00, 1.10, 1.20, 1.30, 1.20, 1.10, 1.20, 1.30, 1.50, 1.80,
    2.10, 2.30, 2.10, 1.50, 0.80,
];
/// The shop is open 9–18 on weekdays and 10–15 on Saturdays.
const HOURS_SHOP_WEEKDAY: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.70, 1.00, 1.20, 1.10, 1.00, 1.10, 1.30, 1.60, 1.40, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0,
];
const HOURS_SHOP_SATURDAY: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.20, 1.40, 1.30, 1.10, 0.90, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0,
];

/// Helsinki's UTC offset in hours on a date (EEST from the last Sunday of March to the last Sunday of
/// October), to the day: the hour of the switch does not matter for demo data.
fn helsinki_offset(date: Date) -> i64 {
    let last_sunday = |month| {
        let last = Date::from_calendar_date(date.year(), month, 31).expect("March and October have 31 days");
        last - Duration::days(i64::from(last.weekday().number_days_from_sunday()))
    };
    if date >= last_sunday(Month::March) && date < last_sunday(Month::October) { 3 } else { 2 }
}

/// Finnish public holidays that close the shop and stop work (Easter is left out for simplicity).
fn is_holiday(date: Date) -> bool {
    let (m, d, wd) = (u8::from(date.month()), date.day(), date.weekday().number_days_from_monday());
    matches!((m, d), (1, 1) | (1, 6) | (5, 1) | (12, 6) | (12, 24) | (12, 25) | (12, 26))
        // Midsummer eve (Friday) and day (Saturday).
        || (m == 6 && ((wd == 4 && (19..=25).contains(&d)) || (wd == 5 && (20..=26).contains(&d))))
}

/// What a day was like: how many responses it gets and which planted effects are active.
struct Day {
    date: Date,
    /// The UTC instant of local midnight.
    start: OffsetDateTime,
    weights: [f64; 4],
    count: usize,
    /// 0 before the scheduling fix, ramping to 1 over three weeks after it.
    fix: f64,
    busy_season: bool,
    billing_glitch: bool,
    payment_glitch: bool,
    christmas_rush: bool,
}

fn plan_days(rng: &mut SplitMix64, end: OffsetDateTime, target: usize) -> Vec<Day> {
    let window_start = end - Duration::days(WINDOW_DAYS);
    let first = (end - Duration::days(PLANNED_DAYS)).date();
    let last = (end + Duration::hours(3)).date();
    let span = (last - first).whole_days().max(1) as f64;
    // Planted effect: the company fixed its scheduling (day-before text messages, buffer between jobs)
    // 120 days before the end, so the arrival touchpoint improves over the last four months.
    let fix_start = end - Duration::days(120);
    // Planted effect: a new billing system sent e-mail invoices to customers who had asked for paper ones
    // for about two months, roughly ten months before the end.
    let glitch = (end - Duration::days(300), end - Duration::days(245));
    // Planted effect: a web-shop update broke card payments at checkout for the last 18 days, so that the
    // insights page finds an emerging topic in the current month.
    let payments_broken = end - Duration::days(18);
    let mut days = Vec::with_capacity(PLANNED_DAYS as usize + 2);
    let mut date = first;
    while date <= last {
        let start = date.midnight().assume_utc() - Duration::hours(helsinki_offset(date));
        let open = (start + Duration::DAY).min(end) - start.max(window_start);
        let available = (open.as_seconds_f64() / 86_400.0).clamp(0.0, 1.0);
        let x = (date - first).whole_days() as f64 / span;
        let month = usize::from(u8::from(date.month())) - 1;
        let wd = usize::from(date.weekday().number_days_from_monday());
        let holiday = is_holiday(date);
        // Planted effect: steady growth, faster in the young web shop than in painting.
        let job = 1.8f64.powf(x)
            * SEASON_JOB[month]
            * WEEKDAY_JOB[wd]
            * if holiday { 0.3 } else { 1.0 }
            * (0.8 + 0.4 * rng.next_f64());
        let shop = 2.6f64.powf(x) * SEASON_SHOP[month] * WEEKDAY_SHOP[wd] * (0.8 + 0.4 * rng.next_f64());
        // Planted effect: the kiosk was installed in the shop about 14 months before the end.
        let kiosk_installed = x >= 0.22;
        let kiosk = if kiosk_installed && !holiday {
            2.0f64.powf(x) * SEASON_SHOP[month] * WEEKDAY_KIOSK[wd] * (0.8 + 0.4 * rng.next_f64())
        } else {
            0.0
        };
        let weights = [job * SURVEY_SHARE[0], job * SURVEY_SHARE[1], shop * SURVEY_SHARE[2], kiosk * SURVEY_SHARE[3]]
            .map(|w| w * available);
        let since_fix = (start - fix_start).as_seconds_f64() / (21.0 * 86_400.0);
        let t = since_fix.clamp(0.0, 1.0);
        days.push(Day {
            date,
            start,
            weights,
            count: 0,
            fix: t * t * (3.0 - 2.0 * t),
            busy_season: (5..=8).contains(&(month + 1)),
            billing_glitch: start >= glitch.0 && start < glitch.1,
            payment_glitch: start >= payments_broken,
            christmas_rush: month == 11 && date.day() <= 23,
        });
        date = date.next_day().expect("dates stay far from the end of time");
    }
    allocate(&mut days, target);
    days
}

/// Splits `target` over the days in proportion to their weights (largest remainder), so the total is exact.
fn allocate(days: &mut [Day], target: usize) {
    let totals: Vec<f64> = days.iter().map(|d| d.weights.iter().sum()).collect();
    let sum: f64 = totals.iter().sum();
    if sum <= 0.0 || target == 0 {
        return;
    }
    let mut remainders = Vec::with_capacity(days.len());
    let mut given = 0;
    for (i, (day, w)) in days.iter_mut().zip(&totals).enumerate() {
        let exact = target as f64 * w / sum;
        day.count = exact.floor() as usize;
        given += day.count;
        remainders.push((exact - exact.floor(), i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(target.saturating_sub(given)) {
        days[i].count += 1;
    }
}

// ---- touchpoints and scores ------------------------------------------------------------------------------

/// A touchpoint: its API name, its bit for matching comments, how often something goes wrong there, and how
/// good an ordinary (incident-free) experience is on a 0–10 scale.
#[derive(Clone, Copy)]
struct Touchpoint {
    key: &'static str,
    bit: u32,
    incidents: f64,
    mood: f64,
}

const Q: u32 = 1 << 0; // quote
const A: u32 = 1 << 1; // arrival
const W: u32 = 1 << 2; // work quality
const C: u32 = 1 << 3; // clean-up
const I: u32 = 1 << 4; // invoice
const P: u32 = 1 << 5; // complaint
const S: u32 = 1 << 6; // customer service about a painting job
const K: u32 = 1 << 7; // web shop checkout
const D: u32 = 1 << 8; // parcel delivery
const R: u32 = 1 << 9; // web shop customer service (returns, chat)
const V: u32 = 1 << 10; // store visit
const JOB: u32 = Q | A | W | C | I | P | S;

const QUOTE: usize = 0;
const ARRIVAL: usize = 1;
const WORK: usize = 2;
const CLEAN_UP: usize = 3;
const INVOICE: usize = 4;
const COMPLAINT: usize = 5;
const JOB_SERVICE: usize = 6;
const CHECKOUT: usize = 7;
const PARCEL: usize = 8;
const SHOP_SERVICE: usize = 9;
const STORE_VISIT: usize = 10;

const TOUCHPOINTS: [Touchpoint; 11] = [
    Touchpoint { key: "quote", bit: Q, incidents: 0.08, mood: 9.0 },
    Touchpoint { key: "arrival", bit: A, incidents: 0.23, mood: 8.6 },
    Touchpoint { key: "work-quality", bit: W, incidents: 0.06, mood: 9.15 },
    Touchpoint { key: "clean-up", bit: C, incidents: 0.19, mood: 8.6 },
    Touchpoint { key: "invoice", bit: I, incidents: 0.15, mood: 8.6 },
    Touchpoint { key: "complaint", bit: P, incidents: 0.45, mood: 8.3 },
    Touchpoint { key: "customer-service", bit: S, incidents: 0.12, mood: 8.8 },
    Touchpoint { key: "checkout", bit: K, incidents: 0.08, mood: 8.9 },
    Touchpoint { key: "parcel-delivery", bit: D, incidents: 0.15, mood: 8.7 },
    Touchpoint { key: "customer-service", bit: R, incidents: 0.18, mood: 8.5 },
    Touchpoint { key: "store-visit", bit: V, incidents: 0.06, mood: 9.0 },
];

/// Which touchpoints trigger which survey, weighted.
const NPS_TOUCHPOINTS: &[(usize, f64)] = &[
    (WORK, 0.38),
    (INVOICE, 0.17),
    (QUOTE, 0.12),
    (CLEAN_UP, 0.12),
    (ARRIVAL, 0.10),
    (JOB_SERVICE, 0.07),
    (COMPLAINT, 0.04),
];
const CSAT_TOUCHPOINTS: &[(usize, f64)] = &[
    (WORK, 0.20),
    (QUOTE, 0.18),
    (ARRIVAL, 0.16),
    (CLEAN_UP, 0.14),
    (INVOICE, 0.14),
    (JOB_SERVICE, 0.13),
    (COMPLAINT, 0.05),
];
const CES_TOUCHPOINTS: &[(usize, f64)] = &[(CHECKOUT, 0.60), (PARCEL, 0.30), (SHOP_SERVICE, 0.10)];

const HEARD: &[(&str, f64)] = &[
    ("google", 0.32),
    ("friend", 0.24),
    ("facebook", 0.12),
    ("instagram", 0.06),
    ("ad", 0.06),
    ("earlier-customer", 0.15),
    ("other", 0.05),
];
const TOPICS: &[(&str, f64)] =
    &[("paint", 0.40), ("tools", 0.22), ("colour-advice", 0.15), ("wallpaper", 0.08), ("pickup", 0.15)];

fn pick_weighted<T: Copy>(rng: &mut SplitMix64, items: &[(T, f64)]) -> T {
    let weights: Vec<f64> = items.iter().map(|i| i.1).collect();
    items[rng.weighted(&weights)].0
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// How often something goes wrong at a touchpoint on a given day, with the planted effects.
fn incident_rate(tp: usize, day: &Day) -> f64 {
    let base = TOUCHPOINTS[tp].incidents;
    match tp {
        // Planted effect: crews run late in the busy season, until the scheduling fix.
        ARRIVAL => {
            let before = base + if day.busy_season { 0.06 } else { 0.0 };
            before + (0.07 - before) * day.fix
        }
        // Planted effect: rushed clean-ups in the busy season.
        CLEAN_UP => base + if day.busy_season { 0.05 } else { 0.0 },
        INVOICE => base + if day.billing_glitch { 0.15 } else { 0.0 },
        CHECKOUT => base + if day.payment_glitch { 0.25 } else { 0.0 },
        // Planted effect: parcels are late in the Christmas rush.
        PARCEL => base + if day.christmas_rush { 0.15 } else { 0.0 },
        _ => base,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mood {
    Pos,
    Mix,
    Neg,
}

/// Negative up to `neg_max`, mixed up to `mix_max`, positive above.
fn tone(score: i16, neg_max: i16, mix_max: i16) -> Mood {
    if score <= neg_max {
        Neg
    } else if score <= mix_max {
        Mix
    } else {
        Pos
    }
}

fn nps_score(s: f64) -> i16 {
    s.round().clamp(0.0, 10.0) as i16
}

fn csat_score(s: f64) -> i16 {
    match s {
        s if s >= 8.9 => 5,
        s if s >= 7.2 => 4,
        s if s >= 5.4 => 3,
        s if s >= 3.2 => 2,
        _ => 1,
    }
}

fn ces_score(s: f64) -> i16 {
    match s {
        s if s >= 9.1 => 7,
        s if s >= 8.0 => 6,
        s if s >= 6.8 => 5,
        s if s >= 5.5 => 4,
        s if s >= 4.2 => 3,
        s if s >= 2.8 => 2,
        _ => 1,
    }
}

// ---- generation of one response --------------------------------------------------------------------------

struct Gen {
    rng: SplitMix64,
    end: OffsetDateTime,
    window_start: OffsetDateTime,
    /// Customer index ranges `[lo, hi)`: painting customers and shop customers overlap in the middle.
    painting_pool: (usize, usize),
    shop_pool: (usize, usize),
    /// Customers with a painting job on right now, who get several surveys in a short time.
    recent_jobs: Vec<usize>,
    bias: Vec<f64>,
    seen: Vec<bool>,
    made: usize,
    target: usize,
}

impl Gen {
    fn response(&mut self, day: &Day, customers: &[DemoCustomer]) -> DemoResponse {
        let survey = self.rng.weighted(&day.weights);
        let tp = match survey {
            NPS_SURVEY => pick_weighted(&mut self.rng, NPS_TOUCHPOINTS),
            CSAT_SURVEY => pick_weighted(&mut self.rng, CSAT_TOUCHPOINTS),
            CES_SURVEY => pick_weighted(&mut self.rng, CES_TOUCHPOINTS),
            _ => STORE_VISIT,
        };
        let channel = self.channel(survey, tp);
        let submitted_at = self.time(day, survey, channel);
        let customer = self.customer(survey);
        let mut locale = customers[customer].locale;
        if locale == Locale::Sv && self.rng.chance(0.08) {
            locale = Locale::Fi;
        }

        // A latent 0–10 experience: an ordinary visit scores around the touchpoint's mood, an incident low.
        let bias = self.bias[customer];
        let incident = self.rng.chance((incident_rate(tp, day) * (1.0 - 0.5 * bias)).clamp(0.01, 0.9));
        let mut mood = TOUCHPOINTS[tp].mood + bias;
        if tp == ARRIVAL {
            mood += 0.35 * day.fix;
        }
        let s = if incident { 3.6 + 2.0 * normal(&mut self.rng) } else { mood + 1.15 * normal(&mut self.rng) };

        // The score sets the tone of a comment and how likely one is: unhappy customers write more.
        let (score_key, score, bucket, comment_rate) = match survey {
            NPS_SURVEY => {
                let v = nps_score(s);
                ("nps", v, tone(v, 6, 8), 1.0)
            }
            CES_SURVEY => {
                let v = ces_score(s);
                ("ces", v, tone(v, 3, 5), 0.8)
            }
            KIOSK_SURVEY => {
                let v = csat_score(s);
                ("csat", v, tone(v, 2, 3), 0.3)
            }
            _ => {
                let v = csat_score(s);
                ("csat", v, tone(v, 2, 3), 0.85)
            }
        };
        let mut answers = vec![(score_key.to_string(), Value::from(score))];
        let base_rate = match bucket {
            Neg => 0.68,
            Mix => 0.42,
            Pos => 0.32,
        };
        let comment_key = if survey == NPS_SURVEY { "why" } else { "comment" };
        let comment =
            if self.rng.chance(base_rate * comment_rate) { self.comment(tp, bucket, day, locale) } else { None };
        match survey {
            NPS_SURVEY => {
                if let Some(text) = comment {
                    answers.push((comment_key.to_string(), Value::from(text)));
                }
                if self.rng.chance(0.65) {
                    let heard = if self.seen[customer] && self.rng.chance(0.5) {
                        "earlier-customer"
                    } else {
                        pick_weighted(&mut self.rng, HEARD)
                    };
                    answers.push(("heard".to_string(), Value::from(heard)));
                }
            }
            KIOSK_SURVEY => {
                if self.rng.chance(0.55) {
                    answers.push(("topic".to_string(), Value::from(pick_weighted(&mut self.rng, TOPICS))));
                }
                if let Some(text) = comment {
                    answers.push((comment_key.to_string(), Value::from(text)));
                }
            }
            _ => {
                if let Some(text) = comment {
                    answers.push((comment_key.to_string(), Value::from(text)));
                }
            }
        }
        self.seen[customer] = true;
        self.made += 1;
        let consent = crate::response::Consent {
            share_internally: (customer as i64 * 7 + submitted_at.unix_timestamp()).rem_euclid(5) < 2,
            contact: !customer.is_multiple_of(3),
        };
        DemoResponse {
            survey,
            customer,
            submitted_at,
            channel,
            touchpoint: TOUCHPOINTS[tp].key,
            locale,
            answers,
            consent,
        }
    }

    fn channel(&mut self, survey: usize, tp: usize) -> &'static str {
        let choices: &[(&'static str, f64)] = match (survey, tp) {
            (NPS_SURVEY, _) => &[("email", 0.62), ("sms", 0.28), ("link", 0.06), ("qr", 0.04)],
            (CSAT_SURVEY, _) => &[("sms", 0.50), ("email", 0.40), ("link", 0.05), ("qr", 0.05)],
            (CES_SURVEY, CHECKOUT) => &[("widget", 0.80), ("email", 0.10), ("link", 0.10)],
            (CES_SURVEY, PARCEL) => &[("email", 0.55), ("sms", 0.45)],
            (CES_SURVEY, _) => &[("email", 0.80), ("widget", 0.20)],
            _ => &[("kiosk", 0.93), ("qr", 0.07)],
        };
        pick_weighted(&mut self.rng, choices)
    }

    /// A whole-second UTC time on the day, at an hour that suits the channel, never at or after `end`.
    fn time(&mut self, day: &Day, survey: usize, channel: &str) -> OffsetDateTime {
        let hours: &[f64; 24] = match channel {
            _ if survey == KIOSK_SURVEY && day.date.weekday() == time::Weekday::Saturday => &HOURS_SHOP_SATURDAY,
            _ if survey == KIOSK_SURVEY => &HOURS_SHOP_WEEKDAY,
            "email" => &HOURS_EMAIL,
            "sms" => &HOURS_SMS,
            _ => &HOURS_WEB,
        };
        for _ in 0..16 {
            let secs = self.rng.weighted(hours) as i64 * 3600 + self.rng.below(3600) as i64;
            let t = day.start + Duration::seconds(secs);
            if t >= self.window_start && t < self.end {
                return t;
            }
        }
        // Only on the last, unfinished day: anywhere in the part of it that has passed.
        let from = day.start.max(self.window_start);
        let span = (self.end - from).whole_seconds().max(1);
        from + Duration::seconds(self.rng.below(span as u64) as i64)
    }

    /// Customers are numbered in the order they first bought, so most answers come from customers near the
    /// current point in history; some come back later, and a job's customer gets several surveys.
    fn customer(&mut self, survey: usize) -> usize {
        let painting = matches!(survey, NPS_SURVEY | CSAT_SURVEY);
        if painting && !self.recent_jobs.is_empty() && self.rng.chance(0.3) {
            return *self.rng.pick(&self.recent_jobs);
        }
        let (lo, hi) = if painting { self.painting_pool } else { self.shop_pool };
        let len = hi - lo;
        let progress = self.made as f64 / self.target as f64;
        let centre = progress * len as f64;
        let offset = if centre >= 10.0 && self.rng.chance(0.12) {
            // A returning customer from earlier in history.
            self.rng.below(centre as u64) as f64
        } else {
            centre + normal(&mut self.rng) * (len as f64 * 0.015).max(2.0)
        };
        // Reflected at both ends, so that the first and last customers do not collect the overflow.
        let top = (len - 1) as f64;
        let offset = offset.abs();
        let offset = if offset > top { (2.0 * top - offset).max(0.0) } else { offset };
        let idx = lo + (offset.round() as usize).min(len - 1);
        if painting {
            if self.recent_jobs.len() < RECENT_JOBS {
                self.recent_jobs.push(idx);
            } else {
                let slot = self.rng.below(RECENT_JOBS as u64) as usize;
                self.recent_jobs[slot] = idx;
            }
        }
        idx
    }

    fn comment(&mut self, tp: usize, bucket: Mood, day: &Day, locale: Locale) -> Option<String> {
        let r = self.rng.next_f64();
        // The score sets the tone, but a passive may still write praise and a promoter a "but".
        let mood = match bucket {
            Neg if r < 0.85 => Neg,
            Neg => Mix,
            Mix if r < 0.65 => Mix,
            Mix if r < 0.85 => Pos,
            Mix => Neg,
            Pos if r < 0.93 => Pos,
            Pos => Mix,
        };
        let boost = match tp {
            ARRIVAL if day.fix > 0.5 => Some("arrival-fixed"),
            ARRIVAL => Some("late-no-notice"),
            INVOICE if day.billing_glitch => Some("invoice-paper"),
            CHECKOUT if day.payment_glitch => Some("payment-failed"),
            PARCEL if day.christmas_rush => Some("parcel-late"),
            _ => None,
        };
        let bit = TOUCHPOINTS[tp].bit;
        let found = boost
            .filter(|_| self.rng.chance(0.5))
            .and_then(|tag| self.nth_comment(|c| c.tag == tag && c.mood == mood))
            .or_else(|| {
                self.rng
                    .chance(0.6)
                    .then(|| self.nth_comment(|c| c.tps & bit != 0 && c.mood == mood && c.tps.count_ones() <= 2))
                    .flatten()
            })
            .or_else(|| self.nth_comment(|c| c.tps & bit != 0 && c.mood == mood))?;
        Some(found.text(locale).to_string())
    }

    fn nth_comment(&mut self, matches: impl Fn(&Comment) -> bool) -> Option<&'static Comment> {
        let n = COMMENTS.iter().filter(|c| matches(c)).count();
        if n == 0 {
            return None;
        }
        let k = self.rng.below(n as u64) as usize;
        COMMENTS.iter().filter(|c| matches(c)).nth(k)
    }
}

// ---- comments --------------------------------------------------------------------------------------------

/// An open answer in all three languages, for the touchpoints in `tps`, in one tone. `tag` lets a planted
/// effect favour a particular complaint or compliment.
struct Comment {
    tps: u32,
    mood: Mood,
    tag: &'static str,
    fi: &'static str,
    sv: &'static str,
    en: &'static str,
}

impl Comment {
    fn text(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::Fi => self.fi,
            Locale::Sv => self.sv,
            Locale::En => self.en,
        }
    }
}

const fn c(tps: u32, mood: Mood, tag: &'static str, fi: &'static str, sv: &'static str, en: &'static str) -> Comment {
    Comment { tps, mood, tag, fi, sv, en }
}

use Mood::{Mix, Neg, Pos};

/// The Finnish mixes standard and colloquial written language, as real answers do; the Swedish is
/// Finland-Swedish (disponent, husbolag, egnahemshus, kiva).
#[rustfmt::skip]
const COMMENTS: &[Comment] = &[
    // Painting, positive.
    c(W, Pos, "",
        "Lopputulos on todella siisti, olohuone näyttää ihan uudelta.",
        "Resultatet blev riktigt snyggt, vardagsrummet ser ut som nytt.",
        "Really neat result, the living room looks brand new."),
    c(JOB, Pos, "",
        "Ystävällinen ja asiantunteva henkilökunta. Suosittelen!",
        "Vänlig och kunnig personal. Kan varmt rekommenderas!",
        "Friendly and knowledgeable staff. Highly recommended!"),
    c(W, Pos, "",
        "Tosi hyvää jälkeä, ei mitään valittamista 👍",
        "Riktigt fint jobbat, inget att klaga på 👍",
        "Top quality work, nothing to complain about 👍"),
    c(A, Pos, "",
        "Maalarit tulivat sovitusti kahdeksalta ja työ valmistui päivän etuajassa.",
        "Målarna kom klockan åtta som vi kommit överens om och jobbet blev klart en dag före tidtabellen.",
        "The painters arrived at eight as agreed and finished a day ahead of schedule."),
    c(A, Pos, "arrival-fixed",
        "Tekstiviesti edellisenä päivänä tuloajasta oli tosi kätevä.",
        "Sms:et dagen innan om när målarna kommer var jättebra.",
        "The text the day before with the arrival time was really handy."),
    c(A, Pos, "arrival-fixed",
        "Aikataulu piti tällä kertaa minuutilleen, kiitos siitä!",
        "Tidtabellen höll på minuten den här gången, tack för det!",
        "Right on schedule this time, thank you for that!"),
    c(Q, Pos, "",
        "Tarjous tuli nopeasti ja oli selkeä, hinnassa oli kaikki mukana.",
        "Offerten kom snabbt och var tydlig, allt ingick i priset.",
        "Got the quote quickly and it was clear, everything was included in the price."),
    c(Q, Pos, "",
        "Arviokäynnillä saatiin hyviä vinkkejä sävyjen valintaan.",
        "Vid besöket före offerten fick vi bra tips om kulörval.",
        "We got good tips on choosing colours during the estimate visit."),
    c(Q, Pos, "",
        "Hinta oli kilpailukykyinen ja kotitalousvähennys oli valmiiksi huomioitu tarjouksessa.",
        "Priset var konkurrenskraftigt och hushållsavdraget var redan beaktat i offerten.",
        "Competitive price, and the household tax credit was already worked into the quote."),
    c(C, Pos, "",
        "Siivosivat jälkensä paremmin kuin itse olisin siivonnut 😄",
        "De städade efter sig bättre än jag själv skulle ha gjort 😄",
        "They cleaned up after themselves better than I would have 😄"),
    c(C, Pos, "",
        "Huonekalut suojattiin ja nostettiin takaisin paikoilleen, itse ei tarvinnut tehdä mitään.",
        "Möblerna täcktes och ställdes tillbaka på plats, vi behövde inte göra någonting själva.",
        "The furniture was covered and put back in place, we didn't have to lift a finger."),
    c(P, Pos, "",
        "Reklamaatio hoidettiin nopeasti ja saimme hyvityksen heti. Kiitos reilusta toiminnasta.",
        "Reklamationen sköttes snabbt och vi fick gottgörelse direkt. Tack för att ni skötte det så schysst.",
        "The complaint was handled quickly and we were compensated right away. Thanks for being fair about it."),
    c(P | S, Pos, "",
        "Valituksen jälkeen työnjohtaja tuli itse katsomaan ja korjaus tehtiin jo seuraavana päivänä.",
        "Efter klagomålet kom arbetsledaren själv och tittade, och felet åtgärdades redan nästa dag.",
        "After we complained, the site manager came round in person and it was fixed the very next day."),
    c(S, Pos, "",
        "Puhelimeen vastattiin heti ja asia hoitui yhdellä soitolla.",
        "Ni svarade direkt i telefon och allt ordnades med ett enda samtal.",
        "The phone was answered straight away and everything was sorted in one call."),
    c(I, Pos, "",
        "Lasku oli selkeä ja kotitalousvähennykseen tarvittavat tiedot olivat valmiina.",
        "Fakturan var tydlig och uppgifterna för hushållsavdraget fanns färdigt med.",
        "Clear invoice, and the details for the household tax credit were already on it."),
    c(W, Pos, "",
        "Tarkkaa työtä, katon ja seinän rajaus on kuin viivottimella vedetty.",
        "Noggrant jobbat, gränsen mellan tak och vägg är spikrak.",
        "Precise work, the line between ceiling and wall is dead straight."),
    c(W, Pos, "",
        "Vanhat tapetit poistettiin ja seinät tasoitettiin tosi huolella. Nyt on kuin uusi koti.",
        "De gamla tapeterna togs bort och väggarna spacklades väldigt noggrant. Det känns som ett nytt hem.",
        "The old wallpaper was stripped and the walls skimmed really carefully. It feels like a new home."),
    c(JOB, Pos, "",
        "Kaikki meni hyvin, kiitos! 😊",
        "Allt gick bra, tack! 😊",
        "Everything went well, thanks! 😊"),
    c(JOB, Pos, "",
        "Hyvät tyypit, hommat hoitu ja kahvit juotiin yhessä 😄",
        "Trevligt gäng, jobbet blev gjort och vi drack kaffe tillsammans 😄",
        "Great crew, job done and we had coffee together 😄"),
    c(W, Pos, "",
        "Remontoitiin koko kerrostalokaksio: katot, seinät ja ovet maalattiin ja keittiön kaapinovet käsiteltiin. Pohjatyöt tehtiin huolella ja kaikki halkeamat tasoitettiin. Porukka oli mukavaa ja kertoi joka päivä, missä mennään. Naapuritkin ovat jo kyselleet yhteystietojanne, eli iso kiitos!",
        "Vi lät renovera hela vår tvåa: tak, väggar och dörrar målades och köksluckorna behandlades. Underarbetet gjordes omsorgsfullt och alla sprickor spacklades. Gänget var trevligt och berättade varje dag hur långt de hunnit. Grannarna har redan frågat efter era kontaktuppgifter, så stort tack!",
        "We had the whole flat done: ceilings, walls and doors painted and the kitchen cabinet doors refinished. The prep was careful and every crack was filled. The crew was lovely and told us every day how far they'd got. The neighbours have already asked for your number, so a big thank you!"),
    c(W | S, Pos, "",
        "Mökin ulkomaalaus hoitui, vaikka emme itse olleet paikalla. Saimme joka päivä kuvia WhatsAppiin ja lopuksi vielä listan käytetyistä sävyistä tulevaa huoltomaalausta varten. Juuri tällaista palvelua toivoisi joka alalta.",
        "Målningen av stugan sköttes fast vi inte själva var på plats. Vi fick bilder på WhatsApp varje dag och till sist en lista över kulörerna inför nästa underhållsmålning. Precis sådan service önskar man sig överallt.",
        "Our summer cottage got painted while we weren't even there. We got photos on WhatsApp every day and, at the end, a list of the colours used for future touch-ups. The kind of service you wish every trade offered."),
    // Painting, mixed.
    c(A | W, Mix, "late-no-notice",
        "Lopputulos hieno, mutta maalari oli tunnin myöhässä eikä ilmoittanut.",
        "Fint slutresultat, men målaren var en timme sen och hörde inte av sig.",
        "Great result, but the painter was an hour late and didn't let us know."),
    c(Q, Mix, "",
        "Aika hintava, mutta laatu vastasi hintaa.",
        "Rätt dyrt, men kvaliteten motsvarade priset.",
        "Pretty pricey, but you get what you pay for."),
    c(C | W, Mix, "",
        "Työ sinänsä ok, mutta lattialle jäi maalitippoja ja teipit sai irrottaa itse.",
        "Själva jobbet okej, men det blev färgstänk på golvet och tejpen fick vi ta bort själva.",
        "The work itself was fine, but there were paint drips on the floor and we had to take the tape off ourselves."),
    c(I, Mix, "invoice-paper",
        "Muuten hyvä, mutta lasku tuli sähköpostiin, vaikka pyysin paperilaskua.",
        "Annars bra, men fakturan kom per e-post fast jag bad om pappersfaktura.",
        "Otherwise fine, but the invoice came by e-mail although I asked for a paper one."),
    c(JOB, Mix, "",
        "Ihan ok. Aikataulu venyi pari päivää, mutta lopputulokseen ollaan tyytyväisiä.",
        "Helt okej. Tidtabellen drog ut ett par dagar, men vi är nöjda med resultatet.",
        "Decent. The schedule slipped by a couple of days, but we're happy with the result."),
    c(JOB, Mix, "",
        "Hyvä työ, mutta tiedottaminen voisi olla parempaa. Nyt piti koko ajan itse kysellä, missä mennään.",
        "Bra jobb, men informationen kunde vara bättre. Man fick hela tiden själv fråga hur det går.",
        "Good work, but communication could be better. I had to keep asking how things were going."),
    c(S, Mix, "",
        "Asia hoitui lopulta, mutta jouduin soittamaan kolme kertaa.",
        "Det ordnade sig till slut, men jag fick ringa tre gånger.",
        "It got sorted in the end, but I had to call three times."),
    c(P, Mix, "",
        "Virhe korjattiin, mutta siihen meni melkein kuukausi.",
        "Felet åtgärdades, men det tog nästan en månad.",
        "The fault was fixed, but it took almost a month."),
    c(W, Mix, "",
        "Jälki on ihan hyvää mut yks seinä jäi vähän laikukkaaks, saa nähä korjataanko.",
        "Jobbet är rätt bra men en vägg blev lite flammig, får se om ni fixar det.",
        "The finish is mostly good but one wall came out a bit patchy, we'll see if it gets fixed."),
    // Painting, negative.
    c(A, Neg, "late-no-notice",
        "Maalari oli myöhässä kolmena päivänä viidestä eikä kukaan ilmoittanut mitään.",
        "Målaren kom för sent tre dagar av fem och ingen meddelade något.",
        "The painter was late three days out of five and nobody told us anything."),
    c(A, Neg, "late-no-notice",
        "Odoteltiin koko aamupäivä kotona eikä ketään kuulunu. Ei kivaa.",
        "Vi väntade hemma hela förmiddagen och ingen dök upp. Inte kiva alls.",
        "We waited at home all morning and nobody turned up. Not cool."),
    c(A, Neg, "",
        "Aloituspäivä siirtyi kahdesti viime hetkellä.",
        "Startdagen flyttades två gånger i sista minuten.",
        "The start date was moved twice at the last minute."),
    c(C, Neg, "",
        "Jäljet jäivät siivoamatta: maalipurkit pihalla ja roskia rappukäytävässä. Isännöitsijäkin ehti jo valittaa.",
        "Ingen städade efter sig: färgburkar på gården och skräp i trapphuset. Disponenten hann redan klaga.",
        "They left a mess: paint tins in the yard and rubbish in the stairwell. The property manager has already complained."),
    c(C, Neg, "",
        "Suojaus oli huono, parketissa on nyt maalitahroja.",
        "Skyddstäckningen var dålig, nu har vi färgfläckar på parketten.",
        "Poor floor protection, there are paint stains on the parquet now."),
    c(I, Neg, "",
        "Laskussa oli enemmän tunteja kuin tarjouksessa sovittiin, eikä kukaan ole vastannut sähköpostiini.",
        "På fakturan fanns fler timmar än vi kom överens om i offerten, och ingen har svarat på min e-post.",
        "The invoice had more hours than we agreed in the quote, and nobody has answered my e-mail."),
    c(I, Neg, "invoice-paper",
        "Pyysin paperilaskun, mutta lasku tuli sähköpostiin ja meni roskapostiin. Nyt tuli vielä muistutusmaksu.",
        "Jag bad om pappersfaktura men den kom per e-post och hamnade i skräpposten. Nu fick jag en påminnelseavgift på köpet.",
        "I asked for a paper invoice, but it came by e-mail and went to spam. Now I've got a reminder fee on top."),
    c(I, Neg, "",
        "Lasku tuli ennen kuin työ oli edes valmis.",
        "Fakturan kom innan jobbet ens var klart.",
        "The invoice arrived before the job was even finished."),
    c(Q | I, Neg, "",
        "Lopullinen hinta oli lähes 30 % tarjousta suurempi, eikä lisätöistä sovittu etukäteen.",
        "Slutpriset var nästan 30 % högre än offerten, och tilläggsarbetena kom vi inte överens om i förväg.",
        "The final price was almost 30% over the quote, and the extra work wasn't agreed beforehand."),
    c(Q, Neg, "",
        "Liian kallis. Saatiin kaksi muuta tarjousta, jotka olivat selvästi halvempia.",
        "För dyrt. Vi fick två andra offerter som var klart billigare.",
        "Too expensive. We got two other quotes that were clearly cheaper."),
    c(Q, Neg, "",
        "Tarjousta sai odottaa yli kaksi viikkoa ja sitä piti itse karhuta.",
        "Vi fick vänta över två veckor på offerten och fick själva påminna om den.",
        "Waited over two weeks for the quote and had to chase it myself."),
    c(W, Neg, "",
        "Maalia jäi ikkunalaseihin ja pistorasioiden kansiin. Huolimatonta jälkeä.",
        "Det blev färg på fönsterrutorna och eluttagen. Slarvigt jobbat.",
        "Paint on the window panes and the socket covers. Sloppy."),
    c(P, Neg, "",
        "Reklamaatioon ei ole vastattu kolmeen viikkoon.",
        "Ingen har svarat på vår reklamation på tre veckor.",
        "Three weeks and still no reply to our complaint."),
    c(P, Neg, "",
        "Kuistin maali hilseilee jo parin kuukauden jälkeen. Pohjatyöt on selvästi tehty hätäisesti.",
        "Färgen på verandan flagnar redan efter ett par månader. Underarbetet har tydligen gjorts i hast.",
        "The paint on the porch is peeling after only a couple of months. The prep was clearly rushed."),
    c(S, Neg, "",
        "Asiakaspalveluun ei saa yhteyttä, puhelin vaan tuuttaa eikä kukaan soittanut takaisin.",
        "Det går inte att nå kundtjänsten, telefonen bara ringer och ingen ringde tillbaka.",
        "Can't reach customer service, the phone just rings and nobody called back."),
    c(A | C, Neg, "",
        "Tosi pettynyt. Työmaalle tultiin joka aamu eri aikaan, yhtenä päivänä ei ollenkaan, eikä siitä ilmoitettu. Viimeisenä päivänä lähdettiin kiireellä ja suojamuovit ja teipit jäivät meidän purettaviksi. Lopputulos on sinänsä ihan siisti, mutta koko prosessi oli stressaava, enkä tiedä uskallanko suositella.",
        "Mycket besviken. Gänget kom vid olika tider varje morgon, en dag inte alls, och ingen meddelade något. Sista dagen gav de sig av i all hast och vi fick själva riva skyddsplasten och tejperna. Själva resultatet är nog helt snyggt, men hela processen var stressig och jag vet inte om jag vågar rekommendera er.",
        "Really disappointed. The crew turned up at a different time every morning, one day not at all, without any notice. On the last day they left in a hurry and we had to take down the plastic sheeting and tape ourselves. The result itself is tidy enough, but the whole process was stressful and I'm not sure I'd recommend you."),
    c(JOB, Neg, "",
        "Ei vastannut odotuksia 😕",
        "Motsvarade inte förväntningarna 😕",
        "Didn't meet expectations 😕"),
    // Web shop.
    c(K, Neg, "payment-failed",
        "Korttimaksu ei mennyt läpi kassalla, yritin kolme kertaa ja luovuin.",
        "Kortbetalningen gick inte igenom i kassan, jag försökte tre gånger och gav upp.",
        "The card payment failed at checkout three times, so I gave up."),
    c(K, Neg, "payment-failed",
        "Maksu epäonnistui ja tilaus katosi, rahat kuitenkin veloitettiin.",
        "Betalningen misslyckades och beställningen försvann, men pengarna drogs ändå.",
        "The payment failed and the order vanished, yet the money was charged."),
    c(K, Mix, "payment-failed",
        "Tuotteet hyviä, mutta maksu kaatui kassalla kahdesti ennen kuin onnistui.",
        "Bra produkter, men betalningen kraschade i kassan två gånger innan den gick igenom.",
        "Good products, but the payment crashed at checkout twice before it worked."),
    c(K, Pos, "",
        "Maksaminen sujui helposti ja nopeasti, MobilePay toimi hyvin.",
        "Betalningen gick lätt och snabbt, MobilePay fungerade fint.",
        "Paying was quick and easy, MobilePay worked fine."),
    c(K, Pos, "",
        "Selkeä verkkokauppa, löysin oikean sävyn ja telat helposti.",
        "Tydlig webbutik, jag hittade rätt kulör och rätt rullar utan problem.",
        "Clear web shop, found the right shade and rollers without any trouble."),
    c(K, Pos, "",
        "Helppo tilata, kaikki hoitui muutamalla klikkauksella.",
        "Lätt att beställa, allt klart med några klick.",
        "Easy to order, done in a few clicks."),
    c(K, Mix, "",
        "Tilaaminen oli ok, mutta toimituskulut selvisivät vasta kassalla.",
        "Beställningen gick bra, men fraktkostnaden syntes först i kassan.",
        "Ordering was fine, but the shipping cost only showed up at checkout."),
    c(K, Neg, "",
        "Maksu epäonnistui kahdesti ja jouduin tekemään koko tilauksen uudestaan.",
        "Betalningen misslyckades två gånger och jag fick göra om hela beställningen.",
        "The payment failed twice and I had to place the whole order again."),
    c(K, Neg, "",
        "Sivu kaatui kesken tilauksen ja ostoskori tyhjeni.",
        "Sidan kraschade mitt i beställningen och varukorgen tömdes.",
        "The site crashed mid-order and emptied my basket."),
    c(K, Neg, "",
        "Ei toi sävyvalitsin toimi mobiilissa ollenkaan, piti vaihtaa koneelle.",
        "Kulörväljaren funkar inte alls på mobilen, jag fick byta till datorn.",
        "The colour picker doesn't work on mobile at all, had to switch to my laptop."),
    c(D, Pos, "",
        "Paketti tuli jo seuraavana päivänä pakettiautomaattiin, kätevää!",
        "Paketet kom redan nästa dag till paketautomaten, smidigt!",
        "The parcel was in the parcel locker the very next day, handy!"),
    c(D | K, Pos, "",
        "Nopea toimitus ja hyvät tuotteet 👌",
        "Snabb leverans och bra produkter 👌",
        "Fast delivery and good products 👌"),
    c(D, Mix, "parcel-late",
        "Toimitus kesti luvattua kauemmin, mutta tuotteet olivat kunnossa.",
        "Leveransen tog längre än utlovat, men produkterna var hela.",
        "Delivery took longer than promised, but everything arrived intact."),
    c(D, Neg, "parcel-late",
        "Paketti oli viikon myöhässä eikä seurantakoodi toiminut.",
        "Paketet var en vecka försenat och spårningskoden fungerade inte.",
        "The parcel was a week late and the tracking code didn't work."),
    c(D, Neg, "",
        "Maalipurkin kansi oli auennut kuljetuksessa ja koko paketti oli sotkussa.",
        "Locket på färgburken hade lossnat under transporten och hela paketet var kladdigt.",
        "The lid of the paint tin had come off in transit and the whole parcel was a mess."),
    c(D, Neg, "",
        "Paketti meni väärään noutopisteeseen ja jouduin hakemaan sen toiselta puolelta kaupunkia.",
        "Paketet skickades till fel utlämningsställe och jag fick hämta det på andra sidan stan.",
        "The parcel went to the wrong pick-up point and I had to fetch it from the other side of town."),
    c(R, Pos, "",
        "Palautus hoitui vaivattomasti ja rahat tulivat tilille parissa päivässä.",
        "Returen gick smidigt och pengarna kom tillbaka inom ett par dagar.",
        "The return was painless and the refund arrived within a couple of days."),
    c(R, Pos, "",
        "Chatissa sain nopeasti neuvon, montako litraa maalia tarvitsen.",
        "I chatten fick jag snabbt råd om hur många liter färg jag behöver.",
        "Got quick advice in the chat on how many litres of paint I need."),
    c(R, Mix, "",
        "Vastaus tuli, mutta vasta kolmen päivän päästä.",
        "Jag fick svar, men först efter tre dagar.",
        "I got an answer, but only after three days."),
    c(R, Neg, "",
        "Palautuksesta ei ole kuulunut mitään kahteen viikkoon.",
        "Inget har hörts om returen på två veckor.",
        "Haven't heard anything about my return in two weeks."),
    // Shop.
    c(V, Pos, "",
        "Myyjä auttoi löytämään oikean maalin kylpyhuoneeseen ja sävytys tehtiin odottaessa.",
        "Försäljaren hjälpte mig hitta rätt färg för badrummet och brytningen gjordes medan jag väntade.",
        "The salesperson helped me find the right paint for the bathroom and tinted it while I waited."),
    c(V, Pos, "",
        "Sain hyvät neuvot lattiamaalin valintaan, kiitos Mirjalle!",
        "Fick goda råd om golvfärg, tack till Mirja!",
        "Got great advice on floor paint, thanks to Mirja!"),
    c(V, Pos, "",
        "Ihana palvelu myymälässä ☺️",
        "Underbar service i butiken ☺️",
        "Lovely service in the shop ☺️"),
    c(V, Mix, "",
        "Hyvä valikoima, mutta sävytyskone oli rikki.",
        "Bra sortiment, men brytmaskinen var trasig.",
        "Good selection, but the tinting machine was broken."),
    c(V, Mix, "",
        "Ihan jees, mut parkkipaikkoja vois olla enemmän.",
        "Helt okej, men det kunde finnas fler parkeringsplatser.",
        "All good, but there could be more parking spaces."),
    c(V, Neg, "",
        "Jono kassalle oli pitkä ja vain yksi myyjä paikalla.",
        "Lång kö till kassan och bara en försäljare på plats.",
        "Long queue at the till and only one person working."),
    c(K | V, Neg, "",
        "Liian kallista verrattuna rautakauppoihin.",
        "För dyrt jämfört med järnhandeln.",
        "Too pricey compared with the DIY stores."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{self, ScoreCounts};
    use crate::response::{self, AnswerDraft, ResponseDraft};
    use time::format_description::well_known::Rfc3339;
    use time::macros::datetime;

    const END: OffsetDateTime = datetime!(2026-11-23 10:00 UTC);

    fn score(r: &DemoResponse) -> i16 {
        r.answers[0].1.as_i64().expect("the first answer is the score") as i16
    }

    #[test]
    fn same_seed_same_data() {
        let a = generate(7, END, 3_000);
        let b = generate(7, END, 3_000);
        assert_eq!((a.customers.len(), a.responses.len()), (b.customers.len(), b.responses.len()));
        assert_eq!(a.customers, b.customers);
        assert_eq!(a.responses[..200], b.responses[..200]);
        assert_eq!(a.responses.last(), b.responses.last());
        let c = generate(8, END, 3_000);
        assert_ne!(a.responses[..200], c.responses[..200]);
    }

    #[test]
    fn every_survey_draft_validates() {
        let data = generate(1, END, 100);
        assert_eq!(data.org_name, "Maalaamo Sivellin Oy");
        assert_eq!(data.surveys.len(), 4);
        for s in &data.surveys {
            let def = s.draft.validate(None).unwrap_or_else(|e| panic!("{}: {e}", s.draft.name));
            assert_eq!(def.locales, Locale::ALL.to_vec());
        }
        let nps = data.surveys[NPS_SURVEY].draft.validate(None).unwrap();
        let why = nps.question_by_key("why").unwrap();
        assert!(why.band_for(3).is_some() && why.band_for(7).is_some() && why.band_for(10).is_some());
    }

    #[test]
    fn every_response_validates_against_its_survey() {
        let data = generate(3, END, 20_000);
        let defs: Vec<_> = data.surveys.iter().map(|s| s.draft.validate(None).unwrap()).collect();
        for r in &data.responses {
            let draft = ResponseDraft {
                answers: r.answers.iter().map(|(k, v)| AnswerDraft { question: k.clone(), value: v.clone() }).collect(),
                channel: Some(r.channel.to_string()),
                touchpoint: Some(r.touchpoint.to_string()),
                submitted_at: Some(r.submitted_at.format(&Rfc3339).unwrap()),
                locale: Some(r.locale.as_str().to_string()),
                customer: Some(data.customers[r.customer].external_id.clone()),
                consent: r.consent,
                customer_unverified: false,
            };
            let valid =
                response::validate(&defs[r.survey], &draft, "api", END).unwrap_or_else(|e| panic!("{r:?}: {e}"));
            assert_eq!(valid.answers.len(), r.answers.len());
            assert_eq!(valid.submitted_at, r.submitted_at);
            assert!(["email", "sms", "link", "qr", "widget", "kiosk"].contains(&r.channel));
            assert!(r.customer < data.customers.len());
        }
    }

    #[test]
    fn counts_and_time_window_hold() {
        // The second end is just after local midnight, right after the spring DST switch, in a non-UTC offset.
        for end in [END, datetime!(2027-03-29 00:30 +03:00)] {
            for target in [0, 1, 100, 20_000] {
                let data = generate(11, end, target);
                assert_eq!(data.responses.len(), target);
                assert!(data.customers.len() >= 50);
                assert!(data.responses.windows(2).all(|w| w[0].submitted_at <= w[1].submitted_at));
                for r in &data.responses {
                    // 18 calendar months are at least 546 days.
                    let t = r.submitted_at;
                    assert!(t >= end - Duration::days(546) && t < end, "{t}");
                    assert_eq!(t.offset(), UtcOffset::UTC);
                }
            }
        }
        let data = generate(11, END, 20_000);
        assert!((2_900..=3_100).contains(&data.customers.len()));
        let emails: HashSet<_> = data.customers.iter().map(|c| c.email.as_str()).collect();
        assert_eq!(emails.len(), data.customers.len());
        assert!(data.customers.iter().all(|c| {
            let domain = c.email.split('@').nth(1).unwrap();
            domain.starts_with("example.") && c.email.is_ascii()
        }));
        let share = |l| data.customers.iter().filter(|c| c.locale == l).count() as f64 / 3000.0;
        assert!((0.78..0.88).contains(&share(Locale::Fi)), "{}", share(Locale::Fi));
        assert!((0.07..0.14).contains(&share(Locale::Sv)));
        assert!((0.05..0.11).contains(&share(Locale::En)));
    }

    #[test]
    fn patterns_are_plausible() {
        let data = generate(5, END, 20_000);
        let nps_of = |filter: &dyn Fn(&DemoResponse) -> bool| {
            let mut counts = ScoreCounts::nps();
            for r in data.responses.iter().filter(|r| r.survey == NPS_SURVEY && filter(r)) {
                counts.add(score(r), 1);
            }
            metrics::nps(&counts).score.unwrap()
        };
        let overall = nps_of(&|_| true);
        assert!((28.0..=47.0).contains(&overall), "overall NPS {overall}");
        let fix = END - Duration::days(100);
        let arrival_before = nps_of(&|r| r.touchpoint == "arrival" && r.submitted_at < fix);
        let arrival_after = nps_of(&|r| r.touchpoint == "arrival" && r.submitted_at >= fix);
        let work = nps_of(&|r| r.touchpoint == "work-quality");
        assert!(arrival_after > arrival_before + 15.0, "arrival {arrival_before} → {arrival_after}");
        assert!(work > arrival_before + 15.0, "work {work}, arrival {arrival_before}");

        let commented =
            data.responses.iter().filter(|r| r.answers.iter().any(|(k, _)| k == "why" || k == "comment")).count();
        let share = commented as f64 / data.responses.len() as f64;
        assert!((0.28..=0.42).contains(&share), "comment share {share}");

        // Painting season: June is far busier than January.
        let painting_in = |y, m| {
            data.responses
                .iter()
                .filter(|r| r.survey <= CSAT_SURVEY && r.submitted_at.year() == y && r.submitted_at.month() == m)
                .count()
        };
        assert!(painting_in(2026, Month::June) > 2 * painting_in(2026, Month::January));
        // Growth: the last full summer month beats the first.
        assert!(painting_in(2026, Month::August) > painting_in(2025, Month::August));
        let kiosk_sunday = data.responses.iter().any(|r| {
            r.survey == KIOSK_SURVEY && (r.submitted_at + Duration::hours(2)).weekday() == time::Weekday::Sunday
        });
        assert!(!kiosk_sunday, "the shop is closed on Sundays");
    }

    #[test]
    fn comments_cover_every_touchpoint_and_tone() {
        for tp in &TOUCHPOINTS {
            for mood in [Pos, Mix, Neg] {
                assert!(COMMENTS.iter().any(|c| c.tps & tp.bit != 0 && c.mood == mood), "{} {mood:?}", tp.key);
            }
        }
        for locale in Locale::ALL {
            let texts: HashSet<_> = COMMENTS.iter().map(|c| c.text(locale)).collect();
            assert!(texts.len() >= 25 && texts.len() == COMMENTS.len(), "{locale}");
            assert!(texts.iter().all(|t| !t.is_empty() && !t.contains('<') && t.trim() == *t));
        }
    }
}

//! Seeds the demo organisation (`polku demo`) and the large benchmark data sets (`polku bench-data`).
//!
//! Demo responses go through the same domain validation as every other response; they are written in large
//! batches straight to the store rather than through the writer, because nobody waits on them one by one.

use crate::auth::Caller;
use crate::{App, AppError, AppResult, orgs, surveys};
use polku_domain::cases::{Rule, RuleCondition};
use polku_domain::demo;
use polku_domain::response::{self, Answer, AnswerDraft, AnswerValue, ResponseDraft, ValidResponse};
use polku_domain::rng::SplitMix64;
use polku_domain::role::Role;
use polku_domain::survey::{QuestionType, SurveyDraft};
use polku_domain::{Locale, OrgId};
use polku_store::{Actor, SurveyRecord};
use time::OffsetDateTime;

pub const DEMO_EMAIL: &str = "omistaja@sivellin.example";
/// A fixed password, printed by `polku demo`: the demo database is for trying Polku out locally.
pub const DEMO_PASSWORD: &str = "sivellin-demo";
const BATCH: usize = 2_000;

pub struct DemoLogin {
    pub org: OrgId,
    pub email: &'static str,
    pub password: &'static str,
    pub token: String,
    /// False when an existing demo database was reused.
    pub created: bool,
    pub responses: usize,
}

const ACTOR: Actor = Actor::System("demo");

/// Creates the demo organisation unless it exists, and returns a login and a fresh API token.
pub async fn ensure_demo(app: &App, seed: u64, target_responses: usize, end: OffsetDateTime) -> AppResult<DemoLogin> {
    let data = demo::generate(seed, end, target_responses);
    if let Some(org) = app.store.org_by_name(&data.org_name).await? {
        let org = OrgId(org.id);
        let (_, token) = orgs::create_token(app, &ACTOR, org, &format!("demo {}", end.date()), Role::Admin).await?;
        let responses = app.store.response_count(org, None).await? as usize;
        return Ok(DemoLogin { org, email: DEMO_EMAIL, password: DEMO_PASSWORD, token, created: false, responses });
    }
    let org = orgs::create_org(app, &ACTOR, &data.org_name).await?;
    let members = [
        (DEMO_EMAIL, "Sanna Sivellin", Role::Owner, Locale::Fi),
        ("analyytikko@sivellin.example", "Aino Analyytikko", Role::Analyst, Locale::Fi),
        ("palvelu@sivellin.example", "Björn Service", Role::Agent, Locale::Sv),
    ];
    let mut member_ids = Vec::new();
    for (email, name, role, locale) in members {
        let m = orgs::NewMember { email, name, password: DEMO_PASSWORD, role, locale };
        member_ids.push(orgs::add_member(app, &ACTOR, org, m).await?);
    }
    let caller = Caller { org, role: Role::Owner, actor: ACTOR };
    let mut records: Vec<SurveyRecord> = Vec::new();
    for s in &data.surveys {
        records.push(surveys::create(app, &caller, &s.draft).await?);
    }
    let analyzer = app.default_analyzer();
    // Alert rules, set up a month before the end: answers from then on make cases.
    let rules_since = end - time::Duration::days(30);
    let service_team = app.store.create_team(org, "Asiakaspalvelu").await?;
    if let Some(bjorn) = member_ids.get(2) {
        app.store.set_team_member(org, service_team, *bjorn, true).await?;
    }
    // The praise wall per team: the service team hears what customers said of invoices and service, the
    // painters of arrival, the work and the clean-up.
    let served = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
    app.store.set_team_touchpoints(org, service_team, &served(&["customer-service", "invoice", "complaint"])).await?;
    let painters = app.store.create_team(org, "Maalarit").await?;
    app.store.set_team_touchpoints(org, painters, &served(&["arrival", "work-quality", "clean-up"])).await?;
    let mut rules = Vec::new();
    for (name, condition, sla, owner) in [
        (
            "Arvostelija (NPS 0–6)",
            RuleCondition::ScoreAtMost { kind: QuestionType::Nps, max: 6 },
            48,
            member_ids.get(2),
        ),
        ("Laskutusongelma", RuleCondition::NegativeTheme { theme: "invoicing".into() }, 72, None),
        // Checked each minute by the server over the last hour of the shop's smiley kiosk.
        (
            "Kioskin kielteiset yli 30 % tunnissa",
            RuleCondition::NegativeShare { channel: "kiosk".into(), percent: 30, window_minutes: 60, min_answers: 10 },
            4,
            None,
        ),
    ] {
        let rule = Rule {
            name: name.into(),
            condition,
            sla_hours: sla,
            owner: owner.copied(),
            lead: member_ids.first().copied(),
            // Invoice problems go to the service team (Björn); detractors to whoever the rule names.
            team: owner.is_none().then_some(service_team),
            // Customers whose case was resolved are asked again after a week.
            follow_up_days: Some(7),
            // The office's invoice questions wait for office hours; the rest count every hour.
            business_hours: (sla == 72).then(|| polku_domain::cases::BusinessHours {
                days: vec![1, 2, 3, 4, 5],
                opens: "08:00".into(),
                closes: "16:00".into(),
            }),
        };
        let audit = polku_store::Audit {
            actor: &ACTOR,
            action: "rule.create",
            target: name.into(),
            detail: serde_json::Value::Null,
        };
        rules.push((app.store.create_rule(org, &rule, &audit).await?, rule));
    }
    let zone = app.zone(org).await?;
    let mut batch = Vec::with_capacity(BATCH);
    for r in &data.responses {
        let survey = &records[r.survey];
        let draft = ResponseDraft {
            answers: r.answers.iter().map(|(k, v)| AnswerDraft { question: k.clone(), value: v.clone() }).collect(),
            channel: Some(r.channel.to_string()),
            touchpoint: Some(r.touchpoint.to_string()),
            submitted_at: Some(
                r.submitted_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| AppError::Internal(e.into()))?,
            ),
            locale: Some(r.locale.as_str().to_string()),
            customer: Some(data.customers[r.customer].external_id.clone()),
            consent: r.consent,
            customer_unverified: false,
        };
        let body = response::validate(&survey.definition, &draft, "link", end)?;
        let rules = if r.submitted_at >= rules_since { rules.as_slice() } else { &[] };
        batch.push(crate::responses::prepare(&analyzer, rules, r.submitted_at, survey, &zone, body, None));
        if batch.len() == BATCH {
            app.store.insert_responses(&batch).await?;
            batch.clear();
        }
    }
    app.store.insert_responses(&batch).await?;
    // The journey: the default stages, the company's touchpoints placed on them, named in three languages.
    let place = |tp: &str, stage: &str, fi: &str, sv: &str, en: &str| polku_domain::journey::Placement {
        touchpoint: tp.into(),
        stage: stage.into(),
        names: [("fi", fi), ("sv", sv), ("en", en)].into_iter().map(|(l, n)| (l.to_string(), n.to_string())).collect(),
    };
    let placed = [
        place("store-visit", "comparison", "Myymäläkäynti", "Butiksbesök", "Store visit"),
        place("quote", "decision", "Tarjous", "Offert", "Quote"),
        place("checkout", "purchase", "Verkkokaupan kassa", "Webbutikens kassa", "Web shop checkout"),
        place("arrival", "delivery", "Saapuminen ajallaan", "Ankomst i tid", "Arrival on time"),
        place("parcel-delivery", "delivery", "Pakettitoimitus", "Paketleverans", "Parcel delivery"),
        place("work-quality", "use", "Työn laatu", "Arbetets kvalitet", "Work quality"),
        place("clean-up", "use", "Siivous", "Städning", "Clean-up"),
        place("invoice", "use", "Lasku", "Faktura", "Invoice"),
        place("customer-service", "customer-service", "Asiakaspalvelu", "Kundtjänst", "Customer service"),
        place("complaint", "customer-service", "Reklamaation käsittely", "Reklamationer", "Complaint handling"),
    ];
    let audit = polku_store::Audit {
        actor: &ACTOR,
        action: "journey.update",
        target: org.to_string(),
        detail: serde_json::Value::Null,
    };
    app.store.set_journey(org, &polku_domain::journey::default_stages(), &placed, &audit).await?;
    // Customers, orders, contacts, deliveries, referrals and reviews consistent with the answers.
    crate::customers::write(app, org, &polku_domain::demo_commerce::commerce(seed, &data, end), |_| {}).await?;
    classic_story(app, org, &records, &analyzer, end).await?;
    triage(app, org, end, &member_ids).await?;
    work_cases(app, org, end, &member_ids).await?;
    // The forgotten ones past due are escalated, as the server's job would have done.
    app.store.escalate_overdue(end, Some(org)).await?;
    improvements(app, org, member_ids.first().copied()).await?;
    let (_, token) = orgs::create_token(app, &ACTOR, org, "demo", Role::Admin).await?;
    Ok(DemoLogin {
        org,
        email: DEMO_EMAIL,
        password: DEMO_PASSWORD,
        token,
        created: true,
        responses: data.responses.len(),
    })
}

/// The customer whose story is the classic one (see the customer page of `SIV-TARINA`): the quote came fast
/// and clear (+), the painter was an hour late without a word (−), the result was exactly as hoped (+), a mess
/// was left and an e-mail about it got no answer (−, −), the invoice came by e-mail though paper was asked for
/// (−), and the contractor called, apologised and gave a discount (+). Overall neutral: "maybe I would
/// recommend you" — NPS 7.
async fn classic_story(
    app: &App,
    org: OrgId,
    records: &[SurveyRecord],
    analyzer: &polku_domain::text::Analyzer,
    end: OffsetDateTime,
) -> AppResult<()> {
    use polku_domain::activity::{CustomerData, Event};
    use polku_domain::customers::{Contact, Customer, Order, OrderStatus};
    use polku_domain::text::Polarity;
    const ID: &str = "SIV-TARINA";
    let day =
        |d: i64, h: u8| (end - time::Duration::days(d)).replace_time(time::Time::from_hms(h, 0, 0).expect("valid"));
    let event = |n: u8, d: i64, h: u8, tp: &str, outcome: &str, p: Polarity, attrs: Option<&str>| Event {
        external_id: format!("{ID}-E{n}"),
        customer: ID.into(),
        touchpoint: tp.into(),
        occurred_at: day(d, h),
        outcome: Some(outcome.into()),
        polarity: Some(p),
        attributes: attrs.map(str::to_string),
    };
    let data = CustomerData {
        customers: vec![Customer {
            external_id: ID.into(),
            name: Some("Anna Korhonen".into()),
            email: Some("anna.korhonen@example.fi".into()),
            phone: Some("+358 40 123 4567".into()),
            language: Some(Locale::Fi),
            consent_contact: Some(true),
            consent_marketing: Some(false),
            attributes: Some([("segment".to_string(), "painting".to_string())].into()),
        }],
        orders: vec![Order {
            external_id: format!("{ID}-J1"),
            customer: ID.into(),
            placed_at: day(44, 10),
            amount_cents: 320_000,
            currency: "EUR".into(),
            items: 1,
            status: OrderStatus::Paid,
            version: None,
        }],
        contacts: vec![Contact {
            external_id: format!("{ID}-T1"),
            customer: ID.into(),
            channel: "email".into(),
            reason: Some("clean-up".into()),
            touchpoint: Some("clean-up".into()),
            opened_at: day(27, 11),
            closed_at: None,
            handling_minutes: None,
            cost: None,
            version: None,
        }],
        events: vec![
            event(1, 45, 9, "quote", "sent_same_day", Polarity::Positive, Some(r#"{"hours_to_quote":3}"#)),
            event(2, 30, 9, "arrival", "late_60_min_no_notice", Polarity::Negative, Some(r#"{"minutes_late":60}"#)),
            event(3, 27, 10, "clean-up", "mess_left", Polarity::Negative, None),
            event(4, 20, 10, "invoice", "email_though_paper_asked", Polarity::Negative, Some(r#"{"asked":"paper"}"#)),
            event(
                5,
                16,
                14,
                "customer-service",
                "apology_call_discount",
                Polarity::Positive,
                Some(r#"{"discount_eur":150}"#),
            ),
        ],
        ..CustomerData::default()
    };
    crate::customers::write(app, org, &data, |_| {}).await?;
    let answers = [
        (
            1,
            28,
            "work-quality",
            vec![
                ("csat", serde_json::json!(5)),
                ("comment", serde_json::json!("Lopputulos juuri sellainen kuin toivoin, kaunis jälki.")),
            ],
        ),
        (
            0,
            14,
            "invoice",
            vec![
                ("nps", serde_json::json!(7)),
                (
                    "why",
                    serde_json::json!(
                        "Ehkä suosittelisin. Työ oli hyvää, mutta maalari myöhästyi tunnin ilmoittamatta, sotku jäi siivoamatta eikä sähköpostiini vastattu, ja lasku tuli sähköpostilla vaikka pyysin paperilaskua. Soitto, anteeksipyyntö ja alennus pelastivat paljon."
                    ),
                ),
            ],
        ),
    ];
    let zone = app.zone(org).await?;
    let mut batch = Vec::new();
    for (survey, d, touchpoint, values) in answers {
        let survey = &records[survey];
        let at = day(d, 18);
        let draft = ResponseDraft {
            answers: values.into_iter().map(|(k, v)| AnswerDraft { question: k.into(), value: v }).collect(),
            channel: Some("email".into()),
            touchpoint: Some(touchpoint.into()),
            submitted_at: Some(
                at.format(&time::format_description::well_known::Rfc3339).map_err(|e| AppError::Internal(e.into()))?,
            ),
            locale: Some("fi".into()),
            customer: Some(ID.into()),
            consent: response::Consent { share_internally: true, contact: true },
            customer_unverified: false,
        };
        let body = response::validate(&survey.definition, &draft, "link", end)?;
        batch.push(crate::responses::prepare(analyzer, &[], at, survey, &zone, body, None));
    }
    app.store.insert_responses(&batch).await?;
    Ok(())
}

/// Notes the demo team wrote on complaints, per language of the comment.
const DEMO_NOTES: [(&str, [&str; 3]); 3] = [
    (
        "fi",
        [
            "Soitin asiakkaalle ja pahoittelin. Korjauskäynti sovittu ensi viikolle.",
            "Hyvitetty 50 € seuraavasta laskusta, asiakas tyytyväinen ratkaisuun.",
            "Välitetty työnjohtajalle, palaan asiaan perjantaina.",
        ],
    ),
    (
        "sv",
        [
            "Ringde kunden och bad om ursäkt. Nytt besök bokat nästa vecka.",
            "Krediterade 50 € på nästa faktura, kunden nöjd.",
            "Vidarebefordrat till arbetsledaren, återkommer på fredag.",
        ],
    ),
    (
        "en",
        [
            "Called the customer and apologised; a return visit is booked for next week.",
            "Credited €50 on the next invoice; the customer is happy with that.",
            "Passed on to the site manager; I will follow up on Friday.",
        ],
    ),
];

/// Makes the demo inbox look worked: the team has read everything older than two weeks, tagged and noted
/// some of the recent complaints. Deterministic (every third, every fifth), so the demo is the same each time.
async fn triage(app: &App, org: OrgId, end: OffsetDateTime, members: &[polku_domain::UserId]) -> AppResult<()> {
    let negative =
        polku_store::CommentFilter { polarity: Some("negative".into()), ..polku_store::CommentFilter::new(org) };
    for (i, c) in app.store.comments(&negative, 40).await?.iter().enumerate() {
        if i % 3 == 0 {
            app.store.add_tag(org, c.id, "soita takaisin", members.first().copied()).await?;
        }
        if c.themes.iter().any(|(k, _)| k == "invoicing") {
            app.store.add_tag(org, c.id, "laskutus", members.first().copied()).await?;
        }
        if i % 5 == 0 {
            let lang = c.language.as_deref().unwrap_or("fi");
            let notes = DEMO_NOTES.iter().find(|(l, _)| *l == lang).map_or(DEMO_NOTES[0].1, |(_, n)| *n);
            let author = members.get(if lang == "sv" { 2 } else { 0 }).copied();
            app.store.add_note(org, c.id, author, notes[(i / 5) % notes.len()]).await?;
        }
    }
    let old =
        polku_store::CommentFilter { to: Some(end - time::Duration::days(14)), ..polku_store::CommentFilter::new(org) };
    let mut filter = old.clone();
    loop {
        let page = app.store.comments(&filter, 500).await?;
        let Some(last) = page.last() else { break };
        filter.after = Some(last.cursor());
        let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
        app.store.mark_read(org, &ids, members.get(1).copied(), true).await?;
    }
    Ok(())
}

/// Moves the demo's cases along as a team would have: older ones resolved or closed, the last days' still
/// open in every state, and a few past due. Deterministic (by position), so the demo is the same each time.
async fn work_cases(app: &App, org: OrgId, end: OffsetDateTime, members: &[polku_domain::UserId]) -> AppResult<()> {
    use polku_domain::cases::CaseStatus::{Closed, InProgress, New, Resolved, WaitingForCustomer};
    let all = app.store.cases(org, &polku_store::CaseFilter::default(), 10_000).await?;
    let (sanna, bjorn) = (members.first().copied(), members.get(2).copied());
    for (i, c) in all.iter().enumerate() {
        let id = polku_domain::CaseId(c.id);
        // The answer's age, from the due time the rule gave it.
        let hours_left = (c.due_at - end).whole_hours();
        let path: &[polku_domain::cases::CaseStatus] = match (hours_left, i % 4) {
            (h, _) if h > 24 => &[],
            (h, 0) if h > 0 => &[InProgress],
            (h, 1) if h > 0 => &[InProgress, WaitingForCustomer],
            (h, _) if h > 0 => &[],
            // Past due: most handled, one in six forgotten (overdue on the list).
            (_, _) if i % 6 == 5 => &[],
            (_, 0) => &[InProgress, Resolved, Closed],
            _ => &[InProgress, Resolved],
        };
        let by = if c.owner_id.is_some() { bjorn } else { sanna };
        if c.owner_id.is_none() && !path.is_empty() {
            app.store.set_case_owner(org, id, sanna, "Sanna Sivellin", sanna, None).await?;
        }
        let mut from = New;
        for (k, to) in path.iter().enumerate() {
            let note = match (k, to) {
                (0, _) => Some(if i % 2 == 0 {
                    "Soitin asiakkaalle ja pahoittelin."
                } else {
                    "Selvitän asiaa työnjohtajan kanssa."
                }),
                (_, Resolved) => Some("Korjauskäynti tehty, asiakas tyytyväinen."),
                _ => None,
            };
            // The rules ask customers again a week after resolving; the demo's week began when the case was due.
            let follow_up = match to {
                Resolved => crate::followups::prepare(app, org, id, polku_domain::RuleId(c.rule_id), None)
                    .await?
                    .map(|f| polku_store::NewFollowUp { due_at: c.due_at + time::Duration::days(7), ..f }),
                _ => None,
            };
            app.store.move_case(org, id, from, *to, by, note, None, follow_up.as_ref()).await?;
            from = *to;
        }
    }
    // Follow-ups whose week is over were handed over (the demo's customer references are not addresses);
    // most customers answered — most are fine again, some detractors now promote, a few are still unhappy
    // (a fixed cycle, so the rates are the generator's).
    const RESCORES: [Option<(i16, &str)>; 10] = [
        Some((9, "Korjaus tehtiin nopeasti, kiitos.")),
        Some((7, "")),
        Some((8, "Asia hoitui lopulta hyvin.")),
        None,
        Some((10, "Yllätyin, miten hyvin asia hoidettiin!")),
        Some((5, "Lasku on vieläkin epäselvä.")),
        Some((9, "")),
        None,
        Some((4, "Kukaan ei soittanut takaisin.")),
        Some((7, "")),
    ];
    for (i, c) in all.iter().enumerate() {
        let Some(f) = app.store.follow_up_for_case(org, polku_domain::CaseId(c.id)).await? else { continue };
        if f.due_at > end {
            continue;
        }
        if let Some((score, comment)) = RESCORES[i % RESCORES.len()] {
            let comment = (!comment.is_empty()).then_some(comment);
            app.store.answer_follow_up(&f.token, score, comment, f.due_at + time::Duration::days(1)).await?;
        }
    }
    Ok(())
}

/// "You said, we did": what the painters changed because of the feedback the generator plants (late
/// arrivals without a word, invoices by e-mail though paper was asked, mess left behind). The first has
/// shipped (with no SMTP server in the demo, nobody is actually e-mailed); the others are planned.
async fn improvements(app: &App, org: OrgId, by: Option<polku_domain::UserId>) -> AppResult<()> {
    /// Texts by language, themes, touchpoints, shipped.
    type Plan = (&'static [(&'static str, &'static str)], &'static [&'static str], &'static [&'static str], bool);
    let plans: [Plan; 3] = [
        (
            &[
                ("fi", "Lasku lähetetään nyt paperisena, jos niin pyydät – valinta tehdään jo tarjousvaiheessa."),
                ("sv", "Fakturan skickas nu på papper om du ber om det – valet görs redan i offerten."),
                ("en", "Invoices now come on paper if you ask – you choose when you accept the quote."),
            ],
            &["invoicing"],
            &["invoice"],
            true,
        ),
        (
            &[
                ("fi", "Maalari ilmoittaa tekstiviestillä, jos hän on myöhässä yli 15 minuuttia."),
                ("sv", "Målaren meddelar med sms om hen är mer än 15 minuter sen."),
                ("en", "Your painter sends a text message if they will be more than 15 minutes late."),
            ],
            &["delivery", "communication"],
            &["arrival"],
            false,
        ),
        (
            &[("fi", "Jokainen työ päättyy yhteiseen loppusiivoukseen ja tarkastuskierrokseen asiakkaan kanssa.")],
            &["cleanliness"],
            &["clean-up"],
            false,
        ),
    ];
    for (texts, themes, touchpoints, shipped) in plans {
        let texts: std::collections::BTreeMap<Locale, &str> =
            texts.iter().filter_map(|(l, t)| Some((Locale::parse(l)?, *t))).collect();
        let json = serde_json::to_string(&texts).map_err(|e| AppError::Internal(e.into()))?;
        let list = |l: &[&str]| l.iter().map(ToString::to_string).collect::<Vec<_>>();
        let audit = polku_store::Audit {
            actor: &ACTOR,
            action: "improvement.create",
            target: String::new(),
            detail: serde_json::Value::Null,
        };
        let id = app.store.create_improvement(org, &json, &list(themes), &list(touchpoints), by, &audit).await?;
        if shipped {
            let audit = polku_store::Audit { action: "improvement.ship", ..audit };
            // The demo's customer references are not addresses: nobody to tell, so it ships without SMTP.
            app.store.ship_improvement(org, id, polku_store::now(), &audit).await?;
        }
    }
    Ok(())
}

/// What `polku bench-data` made.
pub struct BenchData {
    pub org: OrgId,
    pub survey: SurveyRecord,
    pub token: String,
}

pub const BENCH_CHANNELS: [&str; 6] = ["email", "sms", "link", "qr", "widget", "kiosk"];
pub const BENCH_TOUCHPOINTS: [&str; 10] = [
    "quote",
    "decision",
    "order",
    "arrival",
    "work-quality",
    "clean-up",
    "invoice",
    "delivery",
    "use",
    "customer-service",
];

/// Sentence fragments the bench data set's open answers are made of (one to three each, in one language),
/// so that full-text search meets a realistic spread of common and rare words.
const BENCH_FRAGMENTS: [(&str, &[&str]); 3] = [
    (
        "fi",
        &[
            "Hyvä palvelu, mutta lasku tuli myöhässä.",
            "Maalarit olivat ajoissa ja jälki on siistiä, kiitos!",
            "Toimitusaika venyi kahdella viikolla eikä kukaan ilmoittanut.",
            "Ok.",
            "Asiakaspalvelu vastasi nopeasti ja ystävällisesti.",
            "Liian kallis siihen nähden, mitä sai.",
            "Tarjous tuli nopeasti ja oli selkeä.",
            "Asentaja jätti sotkun pihalle.",
            "Laskussa oli virhe, korjattiin heti kun soitin.",
            "Verkkokaupan kassa kaatui kahdesti.",
            "Paketti saapui ehjänä ja ajallaan.",
            "Jonotin puhelimessa puoli tuntia.",
            "Myyjä osasi asiansa ja neuvoi hyvin.",
            "Tuote hajosi viikossa, palautus oli hankala.",
            "Suosittelen lämpimästi!",
            "Hinta-laatusuhde on kohdallaan.",
        ],
    ),
    (
        "sv",
        &[
            "Leveransen kom två dagar för sent.",
            "Mycket trevlig personal och snabb service.",
            "Fakturan var fel och ingen svarade på mejlet.",
            "Bra resultat, men dyrt.",
            "Montören städade efter sig, tack!",
        ],
    ),
    (
        "en",
        &[
            "The crew was friendly and tidy.",
            "Checkout in the web shop kept failing.",
            "Delivery was late and nobody called.",
            "Great value for money.",
            "Waited forty minutes in the queue.",
        ],
    ),
];

/// An open answer of the bench data set: fragments of one language (mostly Finnish), sometimes with an
/// order number, which full-text search finds in one comment only.
fn bench_comment(rng: &mut SplitMix64) -> (String, Locale) {
    let (lang, fragments) = match rng.below(10) {
        0..=7 => BENCH_FRAGMENTS[0],
        8 => BENCH_FRAGMENTS[1],
        _ => BENCH_FRAGMENTS[2],
    };
    let mut text = String::new();
    for _ in 0..=rng.below(3) {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(fragments[rng.below(fragments.len() as u64) as usize]);
    }
    if rng.chance(0.2) {
        text.push_str(&format!(" Tilaus {}.", 100_000 + rng.below(900_000)));
    }
    (text, Locale::parse(lang).unwrap_or_default())
}

/// Creates an organisation with one NPS survey and `n` responses spread over the two years before `end`,
/// `comment_share` of them with an open answer and half of them from one of 100,000 customers, written in
/// large batches, calling `progress` with the running count.
pub async fn bench_data(
    app: &App,
    n: usize,
    comment_share: f64,
    seed: u64,
    end: OffsetDateTime,
    progress: &dyn Fn(usize),
) -> AppResult<BenchData> {
    let org = orgs::create_org(app, &Actor::System("bench"), &format!("Bench Oy {}", end.unix_timestamp())).await?;
    let caller = Caller { org, role: Role::Owner, actor: Actor::System("bench") };
    let zone = app.zone(org).await?;
    let draft: SurveyDraft = serde_json::from_value(serde_json::json!({
        "name": "Bench NPS", "locales": ["fi", "en"],
        "questions": [
            {"key": "nps", "type": "nps", "required": true, "text": {"fi": "Suosittelisitko meitä?", "en": "Would you recommend us?"}},
            {"key": "why", "type": "text", "text": {"fi": "Miksi?", "en": "Why?"}}
        ]
    }))
    .map_err(|e| AppError::Internal(e.into()))?;
    let survey = surveys::create(app, &caller, &draft).await?;
    let nps = survey.definition.questions[0].id;
    let why = survey.definition.questions[1].id;
    let mut rng = SplitMix64::new(seed);
    let span = 730 * 86_400;
    let analyzer = app.default_analyzer();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let at = end - time::Duration::seconds(rng.below(span) as i64);
        let tp = rng.below(BENCH_TOUCHPOINTS.len() as u64) as usize;
        // Touchpoints differ in mood so that breakdowns are not flat.
        let score = (rng.below(11) as i16 + (tp as i16 % 3)).min(10);
        let mut answers = vec![Answer { question: nps, kind: QuestionType::Nps, value: AnswerValue::Score(score) }];
        let mut locale = Locale::Fi;
        if rng.chance(comment_share) {
            let (text, lang) = bench_comment(&mut rng);
            locale = lang;
            answers.push(Answer { question: why, kind: QuestionType::Text, value: AnswerValue::Text(text) });
        }
        let customer = rng.chance(0.5).then(|| format!("c-{}", rng.below(100_000)));
        let body = ValidResponse {
            answers,
            channel: BENCH_CHANNELS[rng.below(6) as usize].to_string(),
            touchpoint: BENCH_TOUCHPOINTS[tp].to_string(),
            submitted_at: at.replace_nanosecond(0).map_err(|e| AppError::Internal(e.into()))?,
            locale: Some(locale),
            customer,
            // Every fourth shares, so the praise wall has a realistic share of the comments to page through.
            consent: response::Consent { share_internally: i % 4 == 0, contact: i % 3 == 0 },
            customer_unverified: false,
        };
        batch.push(crate::responses::prepare(&analyzer, &[], end, &survey, &zone, body, None));
        if batch.len() == 10_000 || i + 1 == n {
            app.store.insert_responses(&batch).await?;
            batch.clear();
            progress(i + 1);
        }
    }
    let (_, token) = orgs::create_token(app, &Actor::System("bench"), org, "bench", Role::Agent).await?;
    Ok(BenchData { org, survey, token })
}

/// Customer data for `polku bench-data --customers N --orders N --contacts N`: customers `c-0`… (the ids the
/// bench responses use), orders and support contacts over the two years before `end`, some customers buying
/// far more often than others; written in batches of 50,000 rows.
pub async fn bench_customer_data(
    app: &App,
    org: OrgId,
    (customers, orders, contacts): (usize, usize, usize),
    seed: u64,
    end: OffsetDateTime,
    progress: &dyn Fn(usize),
) -> AppResult<()> {
    use polku_domain::activity::CustomerData;
    use polku_domain::customers::{Contact, Customer, Order, OrderStatus};
    if customers == 0 {
        return Ok(());
    }
    let mut rng = SplitMix64::new(seed ^ 0xB0B0);
    const CHUNK: usize = 50_000;
    let mut done = 0;
    for start in (0..customers).step_by(CHUNK) {
        let rows = (start..(start + CHUNK).min(customers))
            .map(|i| Customer {
                external_id: format!("c-{i}"),
                name: Some(format!("Asiakas {i}")),
                email: Some(format!("asiakas{i}@example.fi")),
                phone: None,
                language: Some(Locale::Fi),
                consent_contact: Some(i % 3 != 0),
                consent_marketing: None,
                attributes: None,
            })
            .collect();
        crate::customers::write(app, org, &CustomerData { customers: rows, ..Default::default() }, |_| {}).await?;
        done += CHUNK.min(customers - start);
        progress(done);
    }
    let span = 730 * 86_400u64;
    // Skewed: squaring a uniform draw makes low customer numbers buy more often.
    let who = |rng: &mut SplitMix64| format!("c-{}", ((rng.next_f64().powi(2)) * customers as f64) as usize);
    for start in (0..orders).step_by(CHUNK) {
        let rows = (start..(start + CHUNK).min(orders))
            .map(|i| Order {
                external_id: format!("o-{i}"),
                customer: who(&mut rng),
                placed_at: end - time::Duration::seconds(rng.below(span) as i64),
                amount_cents: 1_000 + rng.below(49_000) as i64,
                currency: "EUR".into(),
                items: 1 + rng.below(4) as u32,
                status: if rng.chance(0.04) { OrderStatus::Refunded } else { OrderStatus::Paid },
                version: None,
            })
            .collect();
        crate::customers::write(app, org, &CustomerData { orders: rows, ..Default::default() }, |_| {}).await?;
        done += CHUNK.min(orders - start);
        progress(done);
    }
    for start in (0..contacts).step_by(CHUNK) {
        let rows = (start..(start + CHUNK).min(contacts))
            .map(|i| {
                let opened = end - time::Duration::seconds(rng.below(span) as i64);
                let minutes = 4 + rng.below(20) as u32;
                Contact {
                    external_id: format!("t-{i}"),
                    customer: who(&mut rng),
                    channel: BENCH_CHANNELS[rng.below(3) as usize].into(),
                    reason: None,
                    touchpoint: Some(BENCH_TOUCHPOINTS[rng.below(BENCH_TOUCHPOINTS.len() as u64) as usize].into()),
                    opened_at: opened,
                    closed_at: Some(opened + time::Duration::minutes(i64::from(minutes))),
                    handling_minutes: Some(minutes),
                    cost: Some((i64::from(minutes) * 75, "EUR".into())),
                    version: None,
                }
            })
            .collect();
        crate::customers::write(app, org, &CustomerData { contacts: rows, ..Default::default() }, |_| {}).await?;
        done += CHUNK.min(contacts - start);
        progress(done);
    }
    Ok(())
}

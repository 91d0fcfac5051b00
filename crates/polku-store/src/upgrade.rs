//! The upgrade test (test-only): a database at an earlier schema, holding data written as that version
//! wrote it, migrates to today's schema without losing or changing anything, on both backends.
//!
//! The database is migrated only up to [`OLD`] (`migrate::run_to`), and rows are inserted with raw SQL
//! valid for that schema: an organisation and a survey, responses with scores, choices and texts and the
//! rollup cells their transaction wrote, their inbox comments with a note, comment counts, an alert rule
//! with a case and its event, and a customer with an order and a support contact. Then every later
//! migration runs, and the rows are read back both by counting and through the store's own read functions
//! (the export, the inbox, cases, the customer's data), with `polku verify`'s recounts finding nothing.

use crate::migrate::{run, run_to};
use crate::{CaseFilter, CommentFilter, db};
use polku_domain::response::{NewResponse, ResponseDraft};

/// One rollup cell's key as the table holds it: grain, dims, bucket, question, channel, touchpoint, kind.
type CellKey = (i64, i64, i64, Uuid, String, String, String);
use std::collections::HashMap;
use uuid::Uuid;

/// The schema the test starts from: before the journey, connections, summaries and order versions.
const OLD: i64 = 20;

/// The counted tables that exist at [`OLD`], and the comment counts; counted before and after.
fn tables() -> Vec<&'static str> {
    vec![
        "organisations",
        "users",
        "surveys",
        "survey_versions",
        "responses",
        "answers",
        "rollup_cells",
        "comments",
        "comment_notes",
        "comment_rollups",
        "alert_rules",
        "cases",
        "case_events",
        "customers",
        "orders",
        "support_contacts",
    ]
}

#[tokio::test]
async fn a_database_from_an_earlier_schema_upgrades_without_loss() {
    for (backend, store) in crate::testing::empty_stores().await {
        run_to(&store, OLD).await.unwrap();
        let st = crate::testing::story(
            &store,
            serde_json::json!([
                {"key": "nps", "type": "nps", "required": true, "text": {"fi": "Suosittelisitko?"}},
                {"key": "heard", "type": "multi", "text": {"fi": "Mistä?"}, "options": ["google", "friend"]},
                {"key": "why", "type": "text", "text": {"fi": "Miksi?"}}
            ]),
        )
        .await;
        let drafts = [
            serde_json::json!({"answers": [{"question": "nps", "value": 3}, {"question": "heard", "value": ["google", "friend"]},
                {"question": "why", "value": "Toimitus myöhästyi viikolla."}], "channel": "email", "touchpoint": "delivery",
                "submitted_at": "2025-06-01T09:30:00.25Z", "locale": "fi", "customer": "c-1", "consent": {"share_internally": true}}),
            serde_json::json!({"answers": [{"question": "nps", "value": 9}], "channel": "sms", "touchpoint": "invoice",
                "submitted_at": "2025-06-02T12:00:00Z", "customer": "c-1"}),
            serde_json::json!({"answers": [{"question": "nps", "value": 10}, {"question": "why", "value": "Hyvä palvelu!"}],
                "submitted_at": "2025-07-15T08:00:00Z"}),
        ];
        let responses: Vec<NewResponse> = drafts
            .into_iter()
            .map(|d| {
                let draft: ResponseDraft = serde_json::from_value(d).unwrap();
                let body = polku_domain::response::validate(&st.definition, &draft, "api", crate::now()).unwrap();
                st.response(body)
            })
            .collect();
        let (rule, case, customer) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let now = crate::now();
        db!(store, p => async {
            let mut cells: HashMap<CellKey, [i64; 11]> = HashMap::new();
            let mut comment_cells: HashMap<(i64, String, i64), i64> = HashMap::new();
            for r in &responses {
                let (b, day) = (&r.body, i64::from(polku_domain::calendar::day_of(r.body.submitted_at)));
                sqlx::query(
                    "INSERT INTO responses (id, org_id, survey_id, version_id, submitted_at, day, channel, touchpoint, locale,
                     customer_ref, created_at, share_ok, contact_ok) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(r.id.0).bind(st.org.0).bind(st.survey.0).bind(st.version.0).bind(b.submitted_at).bind(day)
                .bind(&b.channel).bind(&b.touchpoint).bind(b.locale.map(polku_domain::Locale::as_str)).bind(&b.customer)
                .bind(now).bind(b.consent.share_internally).bind(b.consent.contact)
                .execute(p).await?;
                let headline = polku_domain::response::headline_score(&b.answers);
                for a in &b.answers {
                    let (choices, text) = match &a.value {
                        polku_domain::response::AnswerValue::Choices(c) => (Some(serde_json::to_string(c).unwrap()), None),
                        polku_domain::response::AnswerValue::Text(t) => (None, Some(t.clone())),
                        polku_domain::response::AnswerValue::Score(_) => (None, None),
                    };
                    sqlx::query(
                        "INSERT INTO answers (response_id, question_id, org_id, survey_id, kind, score, choices, text, submitted_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(r.id.0).bind(a.question.0).bind(st.org.0).bind(st.survey.0).bind(a.kind.as_str())
                    .bind(a.score().map(i64::from)).bind(&choices).bind(&text).bind(b.submitted_at)
                    .execute(p).await?;
                    let Some(text) = text else { continue };
                    // Stored before any analysis, as answers written while no analyser ran were.
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO comments (response_id, question_id, org_id, survey_id, submitted_at, channel, touchpoint,
                         customer_ref, score, score_kind, share_ok, contact_ok) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                         RETURNING id",
                    )
                    .bind(r.id.0).bind(a.question.0).bind(st.org.0).bind(st.survey.0).bind(b.submitted_at)
                    .bind(&b.channel).bind(&b.touchpoint).bind(&b.customer).bind(headline.map(|(_, s)| i64::from(s)))
                    .bind(headline.map(|(k, _)| k.as_str())).bind(b.consent.share_internally).bind(b.consent.contact)
                    .fetch_one(p).await?;
                    let kind = headline.map_or("", |(k, _)| k.as_str()).to_string();
                    *comment_cells.entry((day, kind, headline.map_or(-1, |(_, s)| i64::from(s)))).or_default() += 1;
                    if text.contains("myöhästyi") {
                        sqlx::query("INSERT INTO comment_notes (id, comment_id, org_id, author_id, body, created_at) VALUES ($1, $2, $3, NULL, $4, $5)")
                            .bind(Uuid::now_v7()).bind(id).bind(st.org.0).bind("Soitettu asiakkaalle.").bind(now)
                            .execute(p).await?;
                    }
                }
                for (c, score) in r.rollup_cells() {
                    let key = (c.cell.grain.code(), c.cell.dims.code(), i64::from(c.cell.bucket), c.question.0,
                        c.cell.channel.to_string(), c.cell.touchpoint.to_string(), c.kind.as_str().to_string());
                    cells.entry(key).or_default()[score as usize] += 1;
                }
            }
            for ((grain, dims, bucket, question, channel, touchpoint, kind), s) in &cells {
                let mut q = sqlx::query(
                    "INSERT INTO rollup_cells (org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint, kind,
                     s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                     $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
                )
                .bind(st.org.0).bind(grain).bind(dims).bind(bucket).bind(st.survey.0).bind(question).bind(channel)
                .bind(touchpoint).bind(kind);
                for n in s {
                    q = q.bind(n);
                }
                q.execute(p).await?;
            }
            for ((day, kind, score), n) in &comment_cells {
                sqlx::query(
                    "INSERT INTO comment_rollups (org_id, day, survey_id, theme, polarity, score_kind, score, n)
                     VALUES ($1, $2, $3, '', '', $4, $5, $6)",
                )
                .bind(st.org.0).bind(day).bind(st.survey.0).bind(kind).bind(score).bind(n)
                .execute(p).await?;
            }
            sqlx::query(
                "INSERT INTO alert_rules (id, org_id, name, condition, sla_hours, owner_id, active, created_at, follow_up_days)
                 VALUES ($1, $2, 'Arvostelijat', $3, 24, NULL, $4, $5, 7)",
            )
            .bind(rule).bind(st.org.0).bind(r#"{"type": "score_at_most", "kind": "nps", "max": 6}"#).bind(true).bind(now)
            .execute(p).await?;
            sqlx::query(
                "INSERT INTO cases (id, org_id, rule_id, response_id, status, owner_id, due_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'in_progress', NULL, $5, $5, $5)",
            )
            .bind(case).bind(st.org.0).bind(rule).bind(responses[0].id.0).bind(now)
            .execute(p).await?;
            sqlx::query(
                "INSERT INTO case_events (id, case_id, org_id, kind, body, author_id, created_at) VALUES ($1, $2, $3, 'note', 'Hyvitys luvattu.', NULL, $4)",
            )
            .bind(Uuid::now_v7()).bind(case).bind(st.org.0).bind(now)
            .execute(p).await?;
            sqlx::query(
                "INSERT INTO customers (id, org_id, external_id, name, email, phone, language, consent_contact, consent_marketing,
                 attributes, created_at, updated_at) VALUES ($1, $2, 'c-1', 'Maija Meikäläinen', 'maija@example.com', NULL, 'fi',
                 $3, $4, '{\"segment\":\"b2c\"}', $5, $5)",
            )
            .bind(customer).bind(st.org.0).bind(true).bind(false).bind(now)
            .execute(p).await?;
            let placed = time::macros::datetime!(2025-05-20 10:00 UTC);
            sqlx::query(
                "INSERT INTO orders (id, org_id, external_id, customer_id, placed_at, day, amount_cents, currency, items, status,
                 created_at, updated_at) VALUES ($1, $2, 'o-1', $3, $4, $5, 12990, 'EUR', 2, 'fulfilled', $6, $6)",
            )
            .bind(Uuid::now_v7()).bind(st.org.0).bind(customer).bind(placed)
            .bind(i64::from(polku_domain::calendar::day_of(placed))).bind(now)
            .execute(p).await?;
            sqlx::query(
                "INSERT INTO support_contacts (id, org_id, external_id, customer_id, channel, reason, touchpoint, opened_at, day,
                 closed_at, handling_minutes, cost_cents, currency, created_at, updated_at)
                 VALUES ($1, $2, 't-1', $3, 'email', 'late', 'delivery', $4, $5, NULL, 12, 900, 'EUR', $6, $6)",
            )
            .bind(Uuid::now_v7()).bind(st.org.0).bind(customer).bind(placed)
            .bind(i64::from(polku_domain::calendar::day_of(placed))).bind(now)
            .execute(p).await?;
            Ok::<(), sqlx::Error>(())
        }.await)
        .unwrap();
        let before = store.counts_of(&tables()).await.unwrap();
        let written: Vec<i64> = ["responses", "answers", "comments", "cases", "orders"]
            .iter()
            .map(|t| before.iter().find(|(name, _)| name == t).unwrap().1)
            .collect();
        assert_eq!(written, [3, 6, 2, 1, 1], "{backend}");

        let applied = run(&store).await.unwrap();
        assert_eq!(applied as i64, crate::migrate::latest() - OLD, "{backend}");
        assert_eq!(store.counts_of(&tables()).await.unwrap(), before, "{backend}: no row lost or added");

        // The export reads every response back with its answers as written.
        let page = store.responses_page(st.org, st.survey, None, 10).await.unwrap();
        assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), responses.iter().map(|r| r.id.0).collect::<Vec<_>>());
        for (got, r) in page.iter().zip(&responses) {
            assert_eq!(
                (got.submitted_at, &got.channel, &got.customer_ref),
                (r.body.submitted_at, &r.body.channel, &r.body.customer),
                "{backend}"
            );
            assert_eq!(got.answers.len(), r.body.answers.len(), "{backend}");
        }
        let heard = page[0].answers.iter().find_map(|a| a.3.clone()).unwrap();
        assert_eq!(serde_json::from_str::<Vec<String>>(&heard).unwrap(), ["google", "friend"]);
        // The inbox, with the note and unanalysed comments; the case with its event; the customer's data.
        let comments = store.comments(&CommentFilter::new(st.org), 10).await.unwrap();
        assert_eq!(comments.len(), 2, "{backend}");
        let late = comments.iter().find(|c| c.text.contains("myöhästyi")).unwrap();
        assert_eq!((late.score, late.customer_ref.as_deref(), late.notes), (Some(3), Some("c-1"), 1), "{backend}");
        assert_eq!(store.comment_notes(st.org, late.id).await.unwrap().len(), 1);
        let cases = store.cases(st.org, &CaseFilter::default(), 10).await.unwrap();
        assert_eq!(cases.len(), 1, "{backend}");
        assert_eq!((cases[0].rule_name.as_str(), cases[0].customer_ref.as_deref()), ("Arvostelijat", Some("c-1")));
        assert_eq!(store.case_events(st.org, polku_domain::CaseId(case)).await.unwrap().len(), 1, "{backend}");
        let export = store.customer_export(st.org, "c-1").await.unwrap().expect("the customer");
        assert_eq!(
            (export.orders.len(), export.support_contacts.len(), export.responses.len()),
            (1, 1, 2),
            "{backend}"
        );
        // What `polku verify` recounts still matches, and the summaries migration 25 asked for are made.
        assert!(store.verify_rollups(st.org).await.unwrap().is_empty(), "{backend}");
        assert!(store.verify_comment_rollups(st.org).await.unwrap().is_empty(), "{backend}");
        assert_eq!(store.refresh_summaries(Some(st.org), 100).await.unwrap(), 1, "{backend}");
    }
}

//! The OpenAPI document (`ApiDoc`): the list of every documented handler (`paths`) and schema
//! (`components`), to which a new endpoint adds itself; and schema-only mirrors of the domain's input
//! types, so the document can describe them without the domain crate depending on utoipa.

#![allow(dead_code)]

use crate::error::{ErrorBody, ErrorDetail, FieldErrorDto};
use std::collections::BTreeMap;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "Polku API", description = "Surveys in, customer-experience metrics out. Authenticate with `Authorization: Bearer <token>`; tokens are created in the web UI or with `polku token create`."),
    paths(
        super::surveys::create, super::surveys::list, super::surveys::get_one, super::surveys::update,
        super::surveys::close, super::surveys::open, super::responses::submit, super::metrics::metrics,
        super::comments::list, super::comments::get_one, super::comments::read, super::comments::tag,
        super::comments::untag, super::comments::note, super::comments::tags, super::insights::get_insights,
        super::text_models::list, super::text_models::save, super::text_models::reset, super::text_models::reanalyse,
        super::cases::list_rules, super::cases::create_rule, super::cases::deactivate_rule, super::cases::list_cases,
        super::cases::get_case, super::cases::move_case, super::cases::note, super::cases::assign, super::cases::act,
        super::cases::pending, super::cases::approve, super::cases::reject, super::cases::set_limit,
        super::cases::list_teams, super::cases::create_team, super::cases::add_to_team, super::cases::remove_from_team,
        super::notifications::get_settings, super::notifications::put_settings, super::notifications::test,
        super::notifications::list, super::notifications::retry, super::cases::follow_up_stats,
        super::cases::set_touchpoints, super::comments::praise, super::improvements::list, super::improvements::create,
        super::improvements::ship, super::customers::customers, super::customers::orders,
        super::customers::contacts, super::customers::deliveries, super::customers::referrals,
        super::customers::reviews, super::customers::events, super::customers::event,
        super::connections::list, super::connections::create, super::connections::remove, super::connections::hook,
        super::privacy::export, super::privacy::erase, super::privacy::settings, super::privacy::set_settings, super::privacy::timeline, super::privacy::search,
        super::money::all, super::money::part, super::money::settings, super::money::set_settings, super::money::few,
        super::money::loyal, super::money::loyal_csv,
        super::journey::map, super::journey::map_csv, super::journey::layout, super::journey::set_layout
    ),
    components(schemas(
        SurveyInput, QuestionInput, FollowUpInput, BandInput, ResponseInput, AnswerInput, ConsentInput, ErrorBody, ErrorDetail,
        FieldErrorDto, super::surveys::SurveyCreated, super::surveys::QuestionRef, super::surveys::SurveyOut,
        super::surveys::SurveyListItem, super::responses::ResponseCreated, MetricsOut, NpsOut, CsatOut, CesOut, SeriesPointOut,
        super::comments::CommentsOut, super::comments::CommentOut, super::comments::ThemeOut,
        super::comments::CommentDetailOut, super::comments::NoteOut, super::comments::ReadInput, super::comments::ReadOut,
        super::comments::NoteInput, super::comments::NoteCreated, super::comments::TagCount,
        super::insights::InsightsOut, super::text_models::TextModelOut, super::cases::RuleOut, super::cases::Created,
        super::cases::CaseOut, super::cases::CaseEventOut, super::cases::CaseDetailOut, super::cases::MoveInput,
        super::cases::ActionOut, super::cases::ActedOut, super::cases::LimitInput, super::cases::TeamOut,
        super::cases::TeamInput, super::notifications::SettingsOut, super::notifications::TestInput,
        super::notifications::TestOut, super::notifications::NotificationOut, super::cases::FollowUpOut,
        super::cases::RatesOut, super::cases::FollowUpStatsOut, super::improvements::ImprovementOut,
        super::improvements::ImprovementCreated, super::improvements::ShippedOut, super::customers::Upserted,
        super::connections::ConnectionOut, super::connections::ConnectionIn, super::connections::HookReply,
        super::privacy::ErasedOut, super::privacy::PrivacySettings, super::privacy::CustomerHit,
        super::money::SettingsBody, super::journey::Layout, super::money::FewOut, super::money::FewCustomer
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// A survey definition. Texts are maps from locale (`fi`, `sv`, `en`) to text; every listed locale needs one.
#[derive(ToSchema)]
pub struct SurveyInput {
    pub name: String,
    /// Languages of the survey, e.g. `["fi", "sv", "en"]`.
    pub locales: Vec<String>,
    pub questions: Vec<QuestionInput>,
}

#[derive(ToSchema)]
pub struct QuestionInput {
    /// Stable short name: a–z, 0–9, `_`, `-`.
    pub key: String,
    /// One of `nps` (0–10), `csat` (1–5), `ces` (1–7), `single`, `multi`, `text`.
    #[schema(rename = "type")]
    pub kind: String,
    pub required: Option<bool>,
    pub text: BTreeMap<String, String>,
    /// For `single` / `multi`: strings, or `{"key", "text": {locale: text}}` objects.
    pub options: Option<Vec<serde_json::Value>>,
    pub follow_up: Option<FollowUpInput>,
}

/// Makes a `text` question a "why?" follow-up of an earlier scored question, worded by score band.
#[derive(ToSchema)]
pub struct FollowUpInput {
    pub after: String,
    pub bands: Vec<BandInput>,
}

#[derive(ToSchema)]
pub struct BandInput {
    pub min: i16,
    pub max: i16,
    pub text: BTreeMap<String, String>,
}

#[derive(ToSchema)]
pub struct ResponseInput {
    pub answers: Vec<AnswerInput>,
    /// e.g. `email`, `sms`, `kiosk`; default `api`.
    pub channel: Option<String>,
    /// The journey touchpoint, e.g. `delivery`.
    pub touchpoint: Option<String>,
    /// RFC 3339; default: time of receipt.
    pub submitted_at: Option<String>,
    /// `fi`, `sv` or `en`.
    pub locale: Option<String>,
    /// Your own id of the customer who answered.
    pub customer: Option<String>,
    /// What the customer allowed; both false unless given.
    pub consent: Option<ConsentInput>,
}

#[derive(ToSchema)]
pub struct ConsentInput {
    /// The comment may be shown to the staff (the praise wall).
    pub share_internally: Option<bool>,
    /// The customer may be contacted about their feedback ("you said, we did").
    pub contact: Option<bool>,
}

#[derive(ToSchema)]
pub struct AnswerInput {
    /// Question id (or key).
    pub question: String,
    /// A whole number for scores, an option key or a list of them for choices, a string for text.
    pub value: serde_json::Value,
}

#[derive(ToSchema)]
pub struct MetricsOut {
    pub from: Option<String>,
    pub to: Option<String>,
    pub granularity: String,
    pub nps: NpsOut,
    pub csat: CsatOut,
    pub ces: CesOut,
    pub series: Vec<SeriesPointOut>,
}

/// NPS on −100…100 with the normal-approximation 95 % interval; `score` and `ci95` are null when n = 0.
#[derive(ToSchema)]
pub struct NpsOut {
    pub score: Option<f64>,
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub ci95: Option<[f64; 2]>,
}

/// Share of 4–5 answers in percent with the Wilson 95 % interval.
#[derive(ToSchema)]
pub struct CsatOut {
    pub score: Option<f64>,
    pub n: u64,
    pub satisfied: u64,
    pub ci95: Option<[f64; 2]>,
}

/// Mean effort on 1–7 with a normal 95 % interval (null below n = 2).
#[derive(ToSchema)]
pub struct CesOut {
    pub score: Option<f64>,
    pub n: u64,
    pub ci95: Option<[f64; 2]>,
}

#[derive(ToSchema)]
pub struct SeriesPointOut {
    /// First day of the bucket.
    pub start: String,
    pub nps: NpsOut,
    pub csat: CsatOut,
    pub ces: CesOut,
}

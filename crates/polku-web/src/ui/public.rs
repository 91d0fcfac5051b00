//! The customer-facing survey page `/s/{slug}`: mobile-first, works without JavaScript, in the customer's
//! language, rate-limited per address, with a honeypot field and a double-submit CSRF cookie. Answers go
//! through the same validated write path as the API.

use super::page;
use crate::Web;
use crate::error::PageError;
use crate::extract::{self, ClientIp, FormPairs, cookie, page_locale, same_secret, set_cookie};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use polku_app::AppError;
use polku_app::responses::{self, Source};
use polku_app::store::{SurveyRecord, SurveyStatus};
use polku_domain::Locale;
use polku_domain::locale::text_in;
use polku_domain::response::{self, AnswerDraft, ResponseDraft};
use polku_domain::survey::{Question, QuestionType};

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/s/{slug}", get(show).post(answer))
        .route("/s/{slug}/thanks", get(thanks))
        .route("/s/{slug}/unsubscribe", get(unsubscribe_page).post(unsubscribe))
        .route("/s/{slug}/leave-panel", get(leave_panel_page).post(leave_panel))
        .route("/f/{token}", get(follow_up).post(answer_follow_up))
}

/// A question prepared for the template in one language.
struct Field {
    name: String,
    kind: &'static str,
    required: bool,
    label: String,
    scale: Vec<i16>,
    low: String,
    high: String,
    options: Vec<(String, String)>,
    /// Banded prompts of a follow-up: (css id, text).
    bands: Vec<(String, String)>,
    /// Previously entered values (shown again after an error).
    values: Vec<String>,
    error: String,
}

impl Field {
    fn checked(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v)
    }
    fn checked_score(&self, v: &i16) -> bool {
        self.checked(&v.to_string())
    }
    fn value(&self) -> &str {
        self.values.first().map(String::as_str).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "public_survey.html")]
struct SurveyPage {
    t: T,
    lang: &'static str,
    title: String,
    action: String,
    csrf: String,
    fields: Vec<Field>,
    /// `:has()` rules that show a follow-up's prompt for the chosen score band.
    band_css: String,
    languages: Vec<(&'static str, &'static str)>,
    closed: bool,
    error: String,
    /// Attribution carried from the link (`?channel=qr&touchpoint=arrival`) into the answer.
    channel: String,
    touchpoint: String,
    /// A marketing tool's reference to the customer (`?ref=` filled in by its merge tag), carried along.
    reference: String,
    /// The personal link's token, carried into the answer (empty on an anonymous page).
    invite: String,
    /// Ask for consent to contact: a personal link whose customer has not given it.
    ask_contact: bool,
}

/// A short page with a title and a text: the thanks after an answer, or a personal link's notice.
#[derive(Template)]
#[template(path = "thanks.html")]
struct Notice {
    lang: &'static str,
    title: String,
    text: String,
    /// A form with one button, posted to `action` (none when empty).
    action: String,
    button: String,
}

/// A personal link that was answered already, or does not open the survey: a friendly page in the
/// customer's language that stores nothing.
fn link_notice(locale: Locale, what: &str, status: StatusCode) -> Response {
    let t = T::new(locale);
    let html = page(&Notice {
        lang: locale.as_str(),
        title: t.get(&format!("link-{what}-title")),
        text: t.get(&format!("link-{what}-text")),
        action: String::new(),
        button: String::new(),
    });
    (status, [(header::CACHE_CONTROL, "no-store")], html).into_response()
}

/// The personal link of a request (`?i=` on the page, `i` in its form), if any.
fn invite_token<'a>(parts: &'a Parts, form: Option<&'a FormPairs>) -> Option<String> {
    if let Some(i) = form.and_then(|f| f.get("i")).filter(|i| !i.is_empty()) {
        return Some(i.to_string());
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(parts.uri.query().unwrap_or(""))
        .ok()?
        .into_iter()
        .find(|(k, v)| k == "i" && !v.is_empty())
        .map(|(_, v)| v)
}

/// The invitation behind a personal link and the language for its customer, or the page to show instead
/// (answered already, invalid or expired; a run of bad links from one address is rate-limited by address).
async fn invitation(
    web: &Web,
    ip: std::net::IpAddr,
    parts: &Parts,
    s: &SurveyRecord,
    locale: Locale,
    token: &str,
) -> Result<Result<(polku_app::store::InvitationRecord, Locale), Response>, PageError> {
    let opened = polku_app::invitations::open(&web.app, s, token).await.map_err(|e| lookup_error(e, T::new(locale)))?;
    match opened {
        Ok(i) => {
            let locale = invitation_locale(parts, s, &i, locale);
            if i.answered_at.is_some() {
                return Ok(Err(link_notice(locale, "answered", StatusCode::OK)));
            }
            Ok(Ok((i, locale)))
        }
        Err(e) => {
            if !web.limiter.allow(ip) {
                return Err(lookup_error(AppError::TooManyRequests, T::new(locale)));
            }
            Ok(Err(match e {
                polku_domain::invite::LinkError::Expired => link_notice(locale, "expired", StatusCode::GONE),
                polku_domain::invite::LinkError::Invalid => link_notice(locale, "invalid", StatusCode::NOT_FOUND),
            }))
        }
    }
}

/// The language of a personal link's page: the one asked for, else the customer's, else the page's.
fn invitation_locale(parts: &Parts, s: &SurveyRecord, i: &polku_app::store::InvitationRecord, page: Locale) -> Locale {
    let asked = parts.uri.query().is_some_and(|q| q.split('&').any(|p| p.starts_with("lang=")));
    let theirs = i.language.as_deref().and_then(Locale::parse).filter(|l| s.definition.locales.contains(l));
    match (asked, theirs) {
        (false, Some(l)) => l,
        _ => page,
    }
}

fn field_name(q: &Question) -> String {
    format!("q_{}", q.key)
}

fn fields(
    s: &SurveyRecord,
    locale: Locale,
    form: Option<&FormPairs>,
    errors: &[(String, String)],
) -> (Vec<Field>, String) {
    let t = T::new(locale);
    let mut css = String::new();
    let def = &s.definition;
    let fields = def
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let name = field_name(q);
            let mut bands = Vec::new();
            if let Some(f) = &q.follow_up
                && let Some(target) = def.question_by_key(&f.after)
            {
                for (b, band) in f.bands.iter().enumerate() {
                    let id = format!("b{i}-{b}");
                    bands.push((id.clone(), text_in(&band.text, locale).to_string()));
                    let selectors: Vec<String> = (band.min..=band.max)
                        .map(|v| format!(".survey form:has(input[name=\"{}\"][value=\"{v}\"]:checked) .followup .band.{id}", field_name(target)))
                        .collect();
                    css.push_str(&selectors.join(",\n"));
                    css.push_str(" { display: block }\n");
                    // Once a band's prompt shows, the generic wording steps aside.
                    let hide: Vec<String> = (band.min..=band.max)
                        .map(|v| format!(".survey form:has(input[name=\"{}\"][value=\"{v}\"]:checked) .followup-{i} .band.generic", field_name(target)))
                        .collect();
                    css.push_str(&hide.join(",\n"));
                    css.push_str(" { display: none }\n");
                }
            }
            let (low, high) = match q.kind {
                QuestionType::Nps => (t.get("scale-nps-low"), t.get("scale-nps-high")),
                QuestionType::Csat => (t.get("scale-csat-low"), t.get("scale-csat-high")),
                QuestionType::Ces => (t.get("scale-ces-low"), t.get("scale-ces-high")),
                _ => (String::new(), String::new()),
            };
            Field {
                kind: q.kind.as_str(),
                required: q.required,
                label: text_in(&q.text, locale).to_string(),
                scale: q.kind.scale().map(|(lo, hi)| (lo..=hi).collect()).unwrap_or_default(),
                low,
                high,
                options: q.options.iter().map(|o| (o.key.clone(), text_in(&o.text, locale).to_string())).collect(),
                bands,
                values: form.map(|f| f.all(&name).into_iter().map(str::to_string).collect()).unwrap_or_default(),
                error: errors.iter().find(|(k, _)| *k == q.key).map(|(_, m)| m.clone()).unwrap_or_default(),
                name,
            }
        })
        .collect();
    (fields, css)
}

fn lookup_error(e: AppError, t: T) -> PageError {
    PageError { error: e, t }
}

/// A personal link's token and whether its page asks for consent to contact.
type Invite<'a> = Option<(&'a str, bool)>;

#[allow(clippy::too_many_arguments)]
fn render_survey(
    web: &Web,
    s: &SurveyRecord,
    locale: Locale,
    form: Option<&FormPairs>,
    errors: &[(String, String)],
    message: String,
    status: StatusCode,
    invite: Invite<'_>,
) -> Response {
    let t = T::new(locale);
    let (fields, band_css) = fields(s, locale, form, errors);
    let csrf = polku_app::auth::random_secret("pc_");
    let page_html = page(&SurveyPage {
        t,
        lang: locale.as_str(),
        title: s.definition.name.clone(),
        action: format!("/s/{}?lang={}", s.slug, locale.as_str()),
        csrf: csrf.clone(),
        fields,
        band_css,
        languages: s.definition.locales.iter().map(|l| (l.as_str(), l.native_name())).collect(),
        closed: s.status == SurveyStatus::Closed,
        error: message,
        channel: form.and_then(|f| f.get("channel")).unwrap_or("").to_string(),
        touchpoint: form.and_then(|f| f.get("touchpoint")).unwrap_or("").to_string(),
        reference: if invite.is_some() {
            String::new()
        } else {
            form.and_then(|f| f.get("ref")).unwrap_or("").to_string()
        },
        invite: invite.map(|i| i.0.to_string()).unwrap_or_default(),
        ask_contact: invite.is_some_and(|i| i.1),
    });
    let cookie = set_cookie(extract::FORM_CSRF_COOKIE, &csrf, 3600, web.app.config.secure_cookies);
    (status, [(header::SET_COOKIE, cookie), (header::CACHE_CONTROL, "no-store".to_string())], page_html).into_response()
}

/// The survey behind a public URL and the language to show it in, after the rate limit: per personal
/// link where there is one (customers behind one company's NAT share an address), else per address.
async fn public_survey(
    web: &Web,
    ip: std::net::IpAddr,
    parts: &Parts,
    slug: &str,
    token: Option<&str>,
) -> Result<(SurveyRecord, Locale), PageError> {
    let t = T::new(page_locale(parts, &Locale::ALL));
    let allowed = match token {
        Some(token) => web.link_limiter.allow(token.to_string()),
        None => web.limiter.allow(ip),
    };
    if !allowed {
        return Err(lookup_error(AppError::TooManyRequests, t));
    }
    let s = web.app.store.survey_by_slug(slug).await.map_err(|e| lookup_error(e.into(), t))?;
    let locale = page_locale(parts, &s.definition.locales);
    Ok((s, locale))
}

async fn show(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let token = invite_token(&parts, None);
    let (s, mut locale) = public_survey(&web, ip, &parts, &slug, token.as_deref()).await?;
    let mut invite = None;
    if let Some(token) = token.as_deref() {
        let i;
        (i, locale) = match invitation(&web, ip, &parts, &s, locale, token).await? {
            Ok(found) => found,
            Err(page) => return Ok(page),
        };
        polku_app::invitations::opened(&web.app, &s, &i).await.map_err(|e| lookup_error(e, T::new(locale)))?;
        invite = Some((token, i.consent_contact != Some(true)));
    }
    // A link may carry its channel and touchpoint, and pre-fill answers (`?q_nps=9` from a one-click
    // score link in an e-mail); the customer still confirms by sending, and validation happens then.
    let prefill: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(parts.uri.query().unwrap_or(""))
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, v)| match k.as_str() {
                // A malformed attribution in a link must not stop the customer from answering: drop it.
                "channel" => response::is_valid_name(v, response::MAX_CHANNEL),
                "touchpoint" => response::is_valid_name(v, response::MAX_TOUCHPOINT),
                "ref" => valid_reference(v),
                k => k.starts_with("q_"),
            })
            .collect();
    let prefill = FormPairs(prefill);
    Ok(render_survey(&web, &s, locale, Some(&prefill), &[], String::new(), StatusCode::OK, invite))
}

/// The public survey form's fixed fields; the answers, one field per question, are read from the pairs.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct PageFields {
    #[serde(rename = "_csrf")]
    csrf: String,
    /// The honeypot: people never see it, bots fill it.
    website: String,
    channel: Option<String>,
    touchpoint: Option<String>,
    consent_share: bool,
    /// Asked only on a personal link's page.
    consent_contact: bool,
    /// A marketing tool's reference to the customer: their e-mail address or id (unverified).
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// A reference a merge tag could have filled in: an e-mail address or an id, one short line.
fn valid_reference(v: &str) -> bool {
    !v.trim().is_empty() && v.len() <= 320 && !v.chars().any(char::is_control)
}

async fn answer(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(slug): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let token = invite_token(&parts, Some(&form));
    let (s, mut locale) = public_survey(&web, ip, &parts, &slug, token.as_deref()).await?;
    let mut invitation_record = None;
    if let Some(token) = token.as_deref() {
        let i;
        (i, locale) = match invitation(&web, ip, &parts, &s, locale, token).await? {
            Ok(found) => found,
            Err(page) => return Ok(page),
        };
        invitation_record = Some(i);
    }
    let invite = token.as_deref().zip(invitation_record.as_ref()).map(|(t, i)| (t, i.consent_contact != Some(true)));
    let t = T::new(locale);
    // Every fixed field has a default, so any body reads; the answers are read from the pairs below.
    let fields: PageFields = extract::from_pairs(form.0.clone()).unwrap_or_default();
    let csrf_ok = !fields.csrf.is_empty()
        && matches!(cookie(&parts, extract::FORM_CSRF_COOKIE), Some(c) if same_secret(&fields.csrf, c));
    if !csrf_ok {
        return Ok(render_survey(
            &web,
            &s,
            locale,
            Some(&form),
            &[],
            t.get("error-csrf"),
            StatusCode::FORBIDDEN,
            invite,
        ));
    }
    // Bots fill every field; people never see this one. Pretend success so the bot learns nothing.
    if !fields.website.is_empty() {
        tracing::info!(%ip, "honeypot filled; response dropped");
        return Ok(Redirect::to(&format!("/s/{}/thanks?lang={}", s.slug, locale.as_str())).into_response());
    }
    let answers = s
        .definition
        .questions
        .iter()
        .filter_map(|q| {
            let values = form.all(&field_name(q));
            let value = match (q.kind, values.as_slice()) {
                (_, []) => return None,
                (QuestionType::Multi, v) => serde_json::json!(v),
                (_, [one]) => serde_json::json!(one),
                (_, v) => serde_json::json!(v),
            };
            Some(AnswerDraft { question: q.id.to_string(), value })
        })
        .collect();
    // A score link from the shop's own marketing tool names its customer by a reference anyone could
    // change: the answer is tied to a customer with that address or id where there is one, marked so.
    let referred = match fields.reference.as_deref().filter(|r| invitation_record.is_none() && valid_reference(r)) {
        Some(r) => web.app.store.customer_by_reference(s.org, r.trim()).await.map_err(|e| lookup_error(e.into(), t))?,
        None => None,
    };
    let draft = ResponseDraft {
        answers,
        channel: fields.channel,
        touchpoint: fields.touchpoint,
        submitted_at: None,
        locale: Some(locale.as_str().to_string()),
        customer_unverified: referred.is_some(),
        customer: referred,
        // An anonymous page has no way to reach the customer, so it asks about contact only on a personal
        // link (whose customer may have agreed already).
        consent: response::Consent {
            share_internally: fields.consent_share,
            contact: invitation_record
                .as_ref()
                .is_some_and(|i| i.consent_contact == Some(true) || fields.consent_contact),
        },
    };
    let stored = match &invitation_record {
        Some(i) => polku_app::invitations::answer(&web.app, &s, i, draft.clone()).await,
        None => responses::submit(&web.app, &s, &draft, None, Source::Page).await.map(|_| true),
    };
    match stored {
        Ok(false) => Ok(link_notice(locale, "answered", StatusCode::OK)),
        Ok(true) => Ok(Redirect::to(&format!("/s/{}/thanks?lang={}", s.slug, locale.as_str())).into_response()),
        Err(AppError::Invalid(v)) => {
            // Field paths name questions by index or key; show each message at its question.
            let errors: Vec<(String, String)> = v
                .0
                .iter()
                .map(|e| {
                    let key = e
                        .field
                        .strip_prefix("answers.")
                        .map(str::to_string)
                        .or_else(|| {
                            let i: usize = e.field.strip_prefix("answers[")?.split(']').next()?.parse().ok()?;
                            let q = draft.answers.get(i)?.question.parse().ok()?;
                            s.definition.question(q).map(|q| q.key.clone())
                        })
                        .unwrap_or_default();
                    let msg =
                        if e.message.contains("required") { t.get("survey-required") } else { t.get("survey-invalid") };
                    (key, msg)
                })
                .collect();
            Ok(render_survey(
                &web,
                &s,
                locale,
                Some(&form),
                &errors,
                t.get("survey-fix"),
                StatusCode::UNPROCESSABLE_ENTITY,
                invite,
            ))
        }
        Err(AppError::Conflict(_)) => {
            Ok(render_survey(&web, &s, locale, Some(&form), &[], t.get("survey-closed"), StatusCode::CONFLICT, invite))
        }
        Err(e) => Err(lookup_error(e, t)),
    }
}

async fn thanks(State(web): State<Web>, parts: Parts, Path(slug): Path<String>) -> Result<Response, PageError> {
    let t = T::new(page_locale(&parts, &Locale::ALL));
    let s = web.app.store.survey_by_slug(&slug).await.map_err(|e| lookup_error(e.into(), t))?;
    let locale = page_locale(&parts, &s.definition.locales);
    let t = T::new(locale);
    Ok(page(&Notice {
        lang: locale.as_str(),
        title: t.get("thanks-title"),
        text: t.get("thanks-text"),
        action: String::new(),
        button: String::new(),
    }))
}

#[derive(Template)]
#[template(path = "follow_up.html")]
struct FollowUpPage {
    t: T,
    lang: &'static str,
    organisation: String,
    question: String,
    scale: Vec<i16>,
    low: String,
    high: String,
    action: String,
    csrf: String,
    /// The score and comment as sent, shown again after an error.
    chosen: String,
    comment: String,
    error: String,
    /// Answered already (now or before): the thanks text instead of the form.
    done: bool,
}

impl FollowUpPage {
    fn checked(&self, v: &i16) -> bool {
        self.chosen == v.to_string()
    }
}

fn render_follow_up(
    web: &Web,
    form: &polku_app::followups::Form,
    sent: Option<&FormPairs>,
    error: String,
    status: StatusCode,
) -> Response {
    let t = T::new(form.locale);
    let (low, high) = match form.kind {
        QuestionType::Csat => (t.get("scale-csat-low"), t.get("scale-csat-high")),
        QuestionType::Ces => (t.get("scale-ces-low"), t.get("scale-ces-high")),
        _ => (t.get("scale-nps-low"), t.get("scale-nps-high")),
    };
    let csrf = polku_app::auth::random_secret("pc_");
    let html = page(&FollowUpPage {
        t,
        lang: form.locale.as_str(),
        organisation: form.follow_up.organisation.clone(),
        question: form.question.clone(),
        scale: form.kind.scale().map(|(lo, hi)| (lo..=hi).collect()).unwrap_or_default(),
        low,
        high,
        action: format!("/f/{}", form.follow_up.token),
        csrf: csrf.clone(),
        chosen: sent.and_then(|f| f.get("score")).unwrap_or("").to_string(),
        comment: sent.and_then(|f| f.get("comment")).unwrap_or("").to_string(),
        error,
        done: form.follow_up.answered_at.is_some(),
    });
    let cookie = set_cookie(extract::FORM_CSRF_COOKIE, &csrf, 3600, web.app.config.secure_cookies);
    (status, [(header::SET_COOKIE, cookie), (header::CACHE_CONTROL, "no-store".to_string())], html).into_response()
}

/// The follow-up behind a link, after the per-address rate limit.
async fn follow_up_form(
    web: &Web,
    ip: std::net::IpAddr,
    parts: &Parts,
    token: &str,
) -> Result<polku_app::followups::Form, PageError> {
    let t = T::new(page_locale(parts, &Locale::ALL));
    if !web.limiter.allow(ip) {
        return Err(lookup_error(AppError::TooManyRequests, t));
    }
    polku_app::followups::form(&web.app, token).await.map_err(|e| lookup_error(e, t))
}

/// `/f/{token}`: the customer is asked the same question again after their case was resolved.
async fn follow_up(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let form = follow_up_form(&web, ip, &parts, &token).await?;
    Ok(render_follow_up(&web, &form, None, String::new(), StatusCode::OK))
}

async fn answer_follow_up(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(token): Path<String>,
    sent: FormPairs,
) -> Result<Response, PageError> {
    let mut form = follow_up_form(&web, ip, &parts, &token).await?;
    let t = T::new(form.locale);
    let csrf_ok = matches!((sent.get("_csrf"), cookie(&parts, extract::FORM_CSRF_COOKIE)), (Some(a), Some(b)) if same_secret(a, b));
    if !csrf_ok {
        return Ok(render_follow_up(&web, &form, Some(&sent), t.get("error-csrf"), StatusCode::FORBIDDEN));
    }
    if form.follow_up.answered_at.is_some() {
        return Ok(render_follow_up(&web, &form, None, String::new(), StatusCode::CONFLICT));
    }
    let result =
        polku_app::followups::answer(&web.app, &token, sent.get("score").unwrap_or(""), sent.get("comment")).await;
    match result {
        Ok(()) => {
            form.follow_up.answered_at = Some(polku_app::store::now());
            Ok(render_follow_up(&web, &form, None, String::new(), StatusCode::OK))
        }
        Err(AppError::Invalid(_)) => {
            Ok(render_follow_up(&web, &form, Some(&sent), t.get("survey-fix"), StatusCode::UNPROCESSABLE_ENTITY))
        }
        // Answered meanwhile (a double click): the thanks page.
        Err(AppError::Conflict(_)) => {
            form.follow_up.answered_at = Some(polku_app::store::now());
            Ok(render_follow_up(&web, &form, None, String::new(), StatusCode::CONFLICT))
        }
        Err(e) => Err(lookup_error(e, t)),
    }
}

/// The survey, language and token of an unsubscribe link (rate-limited by address: the token is not
/// checked yet).
async fn unsubscribing(
    web: &Web,
    ip: std::net::IpAddr,
    parts: &Parts,
    slug: &str,
) -> Result<(SurveyRecord, Locale, String), PageError> {
    let (s, locale) = public_survey(web, ip, parts, slug, None).await?;
    Ok((s, locale, invite_token(parts, None).unwrap_or_default()))
}

/// `/s/{slug}/unsubscribe?i=TOKEN`, the link in every invitation: a page with one button, so a mail
/// scanner that follows links unsubscribes nobody.
async fn unsubscribe_page(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    one_button(&web, ip, &parts, &slug, "unsubscribe").await
}

/// A signed link's page with one button that posts back to it (`/s/{slug}/{what}?i=TOKEN`), its texts the
/// keys `{what}-title`, `-text` and `-button`.
async fn one_button(
    web: &Web,
    ip: std::net::IpAddr,
    parts: &Parts,
    slug: &str,
    what: &str,
) -> Result<Response, PageError> {
    let (s, locale, token) = unsubscribing(web, ip, parts, slug).await?;
    let t = T::new(locale);
    Ok(page(&Notice {
        lang: locale.as_str(),
        title: t.get(&format!("{what}-title")),
        text: t.get(&format!("{what}-text")),
        action: format!("/s/{}/{what}?i={}", s.slug, token),
        button: t.get(&format!("{what}-button")),
    })
    .into_response())
}

/// The button's POST, and RFC 8058's one-click POST from a mail client (`List-Unsubscribe=One-Click`, no
/// cookie): the signed token is the authority. For good, for every channel.
async fn unsubscribe(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (s, locale, token) = unsubscribing(&web, ip, &parts, &slug).await?;
    let done =
        polku_app::invitations::unsubscribe(&web.app, &s, &token).await.map_err(|e| lookup_error(e, T::new(locale)))?;
    if done {
        Ok(link_notice(locale, "unsubscribed", StatusCode::OK))
    } else {
        Ok(link_notice(locale, "invalid", StatusCode::NOT_FOUND))
    }
}

/// `/s/{slug}/leave-panel?i=TOKEN`, under every panel study's message: one button, as for unsubscribing.
async fn leave_panel_page(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    one_button(&web, ip, &parts, &slug, "leave-panel").await
}

/// The button's POST: the signed token names the study invitation, and so the member.
async fn leave_panel(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (s, locale, token) = unsubscribing(&web, ip, &parts, &slug).await?;
    let done =
        polku_app::panel::leave_by_link(&web.app, &s, &token).await.map_err(|e| lookup_error(e, T::new(locale)))?;
    if done {
        Ok(link_notice(locale, "left-panel", StatusCode::OK))
    } else {
        Ok(link_notice(locale, "invalid", StatusCode::NOT_FOUND))
    }
}

//! `/api/v1/comments`: the feedback inbox as JSON, with the same filters and pages as the UI, and the
//! team's triage: read marks, tags and notes.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use polku_app::AppError;
use polku_app::comments::{self, InboxParams};
use polku_app::store::{Comment, CommentNote};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("comments")
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(get_one))
        .routes(routes!(tag, untag))
        .routes(routes!(note))
        .routes(routes!(tags))
        .routes(routes!(praise))
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct PraiseQuery {
    team: Option<String>,
    touchpoint: Option<String>,
}

/// The praise wall: the newest 100 positive comments whose customers allowed them to be shown to the staff,
/// for a team (the touchpoints it serves) and/or a touchpoint.
#[utoipa::path(get, path = "/api/v1/praise", security(("token" = [])),
    params(("team" = Option<String>, Query, description = "team id"), ("touchpoint" = Option<String>, Query)),
    responses((status = 200, body = Vec<CommentOut>), (status = 422, body = ErrorBody)))]
pub(super) async fn praise(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<CommentOut>>, ApiError> {
    let q: PraiseQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    let team = match q.team.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(t.parse().map_err(|_| AppError::invalid("team", "is not a team id"))?),
    };
    let comments = polku_app::praise::wall(&web.app, &caller, team, q.touchpoint.as_deref()).await?;
    Ok(Json(comments.into_iter().map(Into::into).collect()))
}

const RFC3339: &time::format_description::well_known::Rfc3339 = &time::format_description::well_known::Rfc3339;

/// One open answer with its context, text analysis and the team's marks.
#[derive(Serialize, ToSchema)]
pub(super) struct CommentOut {
    /// The inbox's id for this answer.
    pub id: i64,
    pub response_id: String,
    pub question_id: String,
    pub survey_id: String,
    pub text: String,
    /// RFC 3339.
    pub submitted_at: String,
    pub channel: String,
    pub touchpoint: String,
    /// The language the survey was shown in.
    pub survey_language: Option<String>,
    pub customer: Option<String>,
    /// The response's headline score: NPS, else CSAT, else CES.
    pub score: Option<i64>,
    /// Which score `score` is: nps, csat or ces.
    pub score_kind: Option<String>,
    /// The language the analysis recognised.
    pub language: Option<String>,
    /// positive, neutral or negative; null until analysed.
    pub tone: Option<String>,
    /// The text's own sentiment, −1…1.
    pub sentiment: Option<f64>,
    pub themes: Vec<ThemeOut>,
    /// When someone of the team marked it read; null while unread.
    pub read_at: Option<String>,
    pub tags: Vec<String>,
    /// How many notes the team has written on it.
    pub notes: i64,
}

impl From<Comment> for CommentOut {
    fn from(c: Comment) -> Self {
        CommentOut {
            id: c.id,
            response_id: c.response_id.to_string(),
            question_id: c.question_id.to_string(),
            survey_id: c.survey_id.to_string(),
            submitted_at: c.submitted_at.format(RFC3339).unwrap_or_default(),
            text: c.text,
            channel: c.channel,
            touchpoint: c.touchpoint,
            survey_language: c.locale,
            customer: c.customer_ref,
            score: c.score,
            score_kind: c.score_kind,
            language: c.language,
            tone: c.polarity,
            sentiment: c.sentiment,
            themes: c.themes.into_iter().map(|(key, tone)| ThemeOut { key, tone }).collect(),
            read_at: c.read_at.and_then(|t| t.format(RFC3339).ok()),
            tags: c.tags,
            notes: c.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(super) struct ThemeOut {
    pub key: String,
    pub tone: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CommentsOut {
    pub comments: Vec<CommentOut>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

/// Newest first, 50 per page. Filters: `survey`, `from` / `to` (YYYY-MM-DD, inclusive), `polarity` (with
/// `theme`: the tone about that theme), `theme`, `channel`, `touchpoint`, `language`, `customer`,
/// `score_min` / `score_max`, `tag`, `unread`, and `q` (full-text: words in any inflection, `word*` for a
/// prefix); `after` continues from a previous page.
#[utoipa::path(get, path = "/api/v1/comments", security(("token" = [])),
    params(("survey" = Option<String>, Query, description = "survey id"), ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"), ("polarity" = Option<String>, Query, description = "positive, neutral or negative"),
        ("theme" = Option<String>, Query, description = "theme key, e.g. delivery"), ("channel" = Option<String>, Query), ("touchpoint" = Option<String>, Query),
        ("language" = Option<String>, Query, description = "fi, sv or en"), ("customer" = Option<String>, Query, description = "the business's customer id"),
        ("score_min" = Option<i64>, Query, description = "headline score at least, 0–10"), ("score_max" = Option<i64>, Query, description = "headline score at most, 0–10"),
        ("tag" = Option<String>, Query), ("unread" = Option<bool>, Query, description = "only comments nobody has marked read"),
        ("q" = Option<String>, Query, description = "full-text search, at most 200 characters"),
        ("after" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = CommentsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<CommentsOut>, ApiError> {
    let p: InboxParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    let page = comments::inbox(&web.app, &caller, &p).await?;
    Ok(Json(CommentsOut { comments: page.comments.into_iter().map(CommentOut::from).collect(), next: page.next }))
}

#[derive(Serialize, ToSchema)]
pub(super) struct NoteOut {
    pub id: String,
    /// The author's name; null for an API token or a removed member.
    pub author: Option<String>,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<CommentNote> for NoteOut {
    fn from(n: CommentNote) -> Self {
        NoteOut {
            id: n.id.to_string(),
            author: n.author,
            body: n.body,
            created_at: n.created_at.format(RFC3339).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(super) struct CommentDetailOut {
    pub comment: CommentOut,
    /// Oldest first.
    pub notes: Vec<NoteOut>,
}

/// One comment with the team's notes on it.
#[utoipa::path(get, path = "/api/v1/comments/{id}", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CommentDetailOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_one(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CommentDetailOut>, ApiError> {
    let d = comments::comment(&web.app, &caller, parse_id(&id)?).await?;
    Ok(Json(CommentDetailOut { comment: d.comment.into(), notes: d.notes.into_iter().map(NoteOut::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReadInput {
    /// Comment ids, at most 500.
    #[schema(max_items = 500)]
    pub ids: Vec<i64>,
    /// `false` marks them unread again.
    #[serde(default = "yes")]
    pub read: bool,
}

fn yes() -> bool {
    true
}

#[derive(Serialize, ToSchema)]
pub(super) struct ReadOut {
    /// How many comments changed (ids of other organisations and comments already so are not counted).
    pub changed: u64,
}

/// Marks comments read (or unread) for the whole team.
#[utoipa::path(post, path = "/api/v1/comments/read", security(("token" = [])), request_body = ReadInput,
    responses((status = 200, body = ReadOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn read(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<ReadInput>,
) -> Result<Json<ReadOut>, ApiError> {
    let changed = comments::mark_read(&web.app, &caller, &input.ids, input.read).await?;
    Ok(Json(ReadOut { changed }))
}

/// Tags a comment (letters, digits, spaces, `-`, `_`; stored lower-case). Tagging twice is one tag.
#[utoipa::path(put, path = "/api/v1/comments/{id}/tags/{tag}", security(("token" = [])), params(("id" = i64, Path), ("tag" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn tag(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    comments::add_tag(&web.app, &caller, parse_id(&id)?, &tag).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a tag from a comment.
#[utoipa::path(delete, path = "/api/v1/comments/{id}/tags/{tag}", security(("token" = [])), params(("id" = i64, Path), ("tag" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn untag(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    comments::remove_tag(&web.app, &caller, parse_id(&id)?, &tag).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NoteInput {
    /// At most 4,000 characters.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct NoteCreated {
    pub id: String,
}

/// Writes a note on a comment, for the team.
#[utoipa::path(post, path = "/api/v1/comments/{id}/notes", security(("token" = [])), params(("id" = i64, Path)), request_body = NoteInput,
    responses((status = 201, body = NoteCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn note(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NoteInput>,
) -> Result<(StatusCode, Json<NoteCreated>), ApiError> {
    let note = comments::add_note(&web.app, &caller, parse_id(&id)?, &input.body).await?;
    Ok((StatusCode::CREATED, Json(NoteCreated { id: note.to_string() })))
}

#[derive(Serialize, ToSchema)]
pub(super) struct TagCount {
    pub tag: String,
    pub comments: i64,
}

/// The organisation's tags with how many comments carry each.
#[utoipa::path(get, path = "/api/v1/comment-tags", security(("token" = [])), responses((status = 200, body = Vec<TagCount>)))]
pub(super) async fn tags(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TagCount>>, ApiError> {
    let tags = comments::tags(&web.app, &caller).await?;
    Ok(Json(tags.into_iter().map(|(tag, comments)| TagCount { tag, comments }).collect()))
}

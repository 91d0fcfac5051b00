//! The one conversion from [`AppError`] to HTTP: JSON for the API, an HTML page for the UI.
//! Server errors are logged with their cause and shown only as a generic message.

use crate::i18n::T;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use polku_app::AppError;
use serde::Serialize;

pub(crate) fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log_internal(e: &AppError) {
    if let AppError::Internal(cause) = e {
        // Once, with its chain of causes on one line, without a backtrace per request.
        tracing::error!(error = %format!("{cause:#}"), "internal error");
    }
}

/// An API error: `{"error": {"status", "message", "fields": [{"field", "message"}]}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub fields: Vec<polku_domain::survey::FieldError>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    pub status: u16,
    pub message: String,
    pub fields: Vec<FieldErrorDto>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FieldErrorDto {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), fields: Vec::new() }
    }

    pub fn field(status: StatusCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        Self {
            status,
            message: format!("{field}: {message}"),
            fields: vec![polku_domain::survey::FieldError { field, message }],
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        log_internal(&e);
        let message = match &e {
            AppError::Internal(_) => "internal error".to_string(),
            other => other.to_string(),
        };
        ApiError { status: status_of(&e), message, fields: e.field_errors().to_vec() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                status: self.status.as_u16(),
                message: self.message,
                fields: self.fields.into_iter().map(|f| FieldErrorDto { field: f.field, message: f.message }).collect(),
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// A UI error page, in the viewer's language.
pub struct PageError {
    pub error: AppError,
    pub t: T,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log_internal(&self.error);
        let status = status_of(&self.error);
        let key = match status {
            StatusCode::NOT_FOUND => "error-not-found",
            StatusCode::FORBIDDEN => "error-forbidden",
            StatusCode::CONFLICT => "error-conflict",
            StatusCode::TOO_MANY_REQUESTS => "error-too-many",
            StatusCode::UNPROCESSABLE_ENTITY => "error-invalid",
            _ => "error-internal",
        };
        let detail = match &self.error {
            AppError::Conflict(m) => m.clone(),
            AppError::Invalid(v) => v.to_string(),
            _ => String::new(),
        };
        let page = crate::ui::ErrorPage { t: self.t, title: self.t.get(key), detail, status: status.as_u16() };
        (status, Html(crate::ui::render(&page))).into_response()
    }
}

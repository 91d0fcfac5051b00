//! The one error type of the use-case layer. The web crate converts it to JSON or HTML in one place.

use polku_domain::survey::{FieldError, ValidationErrors};
use polku_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also used for objects of another organisation, so their existence is never revealed.
    #[error("not found")]
    NotFound,
    #[error("authentication required")]
    Unauthorized,
    #[error("not allowed for your role")]
    Forbidden,
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts; try again in a moment")]
    TooManyRequests,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(ValidationErrors::single(field, message))
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(v) => &v.0,
            _ => &[],
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(v: ValidationErrors) -> Self {
        AppError::Invalid(v)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate { field } => AppError::Conflict(format!("{field}: already exists")),
            StoreError::Conflict(what) => AppError::Conflict(what),
            other => AppError::Internal(anyhow::Error::new(other).context("storage")),
        }
    }
}

//! Typed identifiers, so that a survey id can never be passed where an organisation id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUID v7), which keeps B-tree inserts local.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type!(
    /// An organisation (tenant). Every row of customer data carries one.
    OrgId,
    /// A person who can sign in.
    UserId,
    /// A survey; its questions live in versions.
    SurveyId,
    /// One saved version of a survey's definition.
    VersionId,
    /// A question; stable across versions while its key and type stay the same.
    QuestionId,
    /// One submitted response (a set of answers).
    ResponseId,
    /// An API token.
    TokenId,
    /// An alert rule.
    RuleId,
    /// A case: a bad experience someone owns until it is handled.
    CaseId,
    /// A team of members who share cases.
    TeamId,
);

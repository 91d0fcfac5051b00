//! Member roles and what each may do. Checked on every route, UI and API alike.

use serde::{Deserialize, Serialize};

/// A member's role in one organisation, from most to least powerful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Analyst,
    Agent,
    Viewer,
}

/// Things a member or token may attempt; [`Role::allows`] decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read dashboards, surveys and answers.
    View,
    /// Submit responses through the API (integrations).
    SubmitResponses,
    /// Work the feedback inbox: tag comments, write notes on them, mark them read.
    Triage,
    /// Create, edit, close surveys.
    ManageSurveys,
    /// Write customer data (customers, orders, support contacts): personal data, consents and revenue, so
    /// not for the agent tokens that sit on kiosks.
    ImportCustomerData,
    /// Create and revoke API tokens, manage members, read the audit log.
    Administer,
    /// Read customers' personal data (names, e-mail addresses, phone numbers, revenue): loyal customers,
    /// customer search and stories. Agents see a customer only through the cases they work on.
    PersonalData,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Admin, Role::Analyst, Role::Agent, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn allows(self, p: Permission) -> bool {
        match p {
            Permission::View => true,
            // Agents collect feedback in the field (e.g. a kiosk integration), so they may submit.
            Permission::SubmitResponses => self <= Role::Agent,
            Permission::Triage => self <= Role::Agent,
            Permission::ManageSurveys | Permission::ImportCustomerData | Permission::PersonalData => {
                self <= Role::Analyst
            }
            Permission::Administer => self <= Role::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_follow_the_role_ladder() {
        let table = [
            (Role::Owner, [true, true, true, true, true, true, true]),
            (Role::Admin, [true, true, true, true, true, true, true]),
            (Role::Analyst, [true, true, true, true, false, true, true]),
            (Role::Agent, [true, true, true, false, false, false, false]),
            (Role::Viewer, [true, false, false, false, false, false, false]),
        ];
        for (role, expected) in table {
            let got = [
                Permission::View,
                Permission::SubmitResponses,
                Permission::Triage,
                Permission::ManageSurveys,
                Permission::Administer,
                Permission::ImportCustomerData,
                Permission::PersonalData,
            ]
            .map(|p| role.allows(p));
            assert_eq!(got, expected, "{role:?}");
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

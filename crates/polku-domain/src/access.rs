//! Who may change whose membership, and the messages that invite a colleague or reset a password.
//!
//! Owners are above admins: only an owner makes, demotes or removes an admin or an owner, and an
//! organisation always keeps at least one owner (checked by the store in the transaction that changes
//! roles). An admin administers the roles below: analyst, agent, viewer. Anyone may leave, except the last
//! owner. An invitation or reset is a single-use link whose secret only the recipient's mailbox sees.

use crate::Locale;
use crate::role::Role;
use time::Duration;

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::hours(72);
/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::hours(1);
/// How long a sign-in waits for its second factor.
pub const SECOND_FACTOR_TTL: Duration = Duration::minutes(5);

/// Whether `actor` may give someone whose role is `from` (or a new member: `None`) the role `to`.
pub fn may_assign(actor: Role, from: Option<Role>, to: Role) -> bool {
    match actor {
        Role::Owner => true,
        Role::Admin => to > Role::Admin && from.is_none_or(|f| f > Role::Admin),
        _ => false,
    }
}

/// Whether `actor` may remove a member whose role is `target`; `own` when it is the actor leaving.
pub fn may_remove(actor: Role, target: Role, own: bool) -> bool {
    own || match actor {
        Role::Owner => true,
        Role::Admin => target > Role::Admin,
        _ => false,
    }
}

/// What an access e-mail is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// Join an organisation; a new person also sets their password.
    Invitation,
    /// Set a new password.
    Reset,
    /// The password was right; the sign-in waits for the second factor (a few minutes).
    SecondFactor,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Invitation => "invitation",
            LinkKind::Reset => "reset",
            LinkKind::SecondFactor => "second_factor",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        [LinkKind::Invitation, LinkKind::Reset, LinkKind::SecondFactor].into_iter().find(|k| k.as_str() == s)
    }
}

/// An e-mail about access: subject and plain-text body in the recipient's language.
pub struct AccessMail<'a> {
    pub kind: LinkKind,
    /// The organisation joined (invitations).
    pub organisation: &'a str,
    /// Who invited (invitations).
    pub inviter: &'a str,
    /// Whether the address already has an account (the invitation then asks to accept, not to sign up).
    pub existing: bool,
    /// The absolute link with the secret.
    pub link: &'a str,
}

impl AccessMail<'_> {
    pub fn render(&self, locale: Locale) -> (String, String) {
        let (org, who, link) = (self.organisation, self.inviter, self.link);
        match (self.kind, locale) {
            (LinkKind::Invitation, Locale::Fi) => (
                format!("Kutsu: {org} Polkuun"),
                format!(
                    "{who} kutsuu sinut organisaation {org} jäseneksi Polkuun.\n\n{}\n{link}\n\nLinkki toimii 72 tuntia \
                     ja kerran. Jos et odottanut tätä viestiä, voit jättää sen huomiotta.\n",
                    if self.existing {
                        "Hyväksy kutsu kirjautumalla omalla salasanallasi:"
                    } else {
                        "Aseta itsellesi salasana ja aloita:"
                    }
                ),
            ),
            (LinkKind::Invitation, Locale::Sv) => (
                format!("Inbjudan: {org} i Polku"),
                format!(
                    "{who} bjuder in dig som medlem i {org} i Polku.\n\n{}\n{link}\n\nLänken gäller i 72 timmar och \
                     en gång. Om du inte väntade dig detta meddelande kan du bortse från det.\n",
                    if self.existing {
                        "Godkänn inbjudan genom att logga in med ditt lösenord:"
                    } else {
                        "Välj ett lösenord och kom igång:"
                    }
                ),
            ),
            (LinkKind::Invitation, Locale::En) => (
                format!("Invitation: {org} on Polku"),
                format!(
                    "{who} invites you to join {org} on Polku.\n\n{}\n{link}\n\nThe link works for 72 hours, once. \
                     If you did not expect this message, you can ignore it.\n",
                    if self.existing {
                        "Accept by signing in with your own password:"
                    } else {
                        "Choose your password and start:"
                    }
                ),
            ),
            (LinkKind::SecondFactor, _) => (String::new(), String::new()),
            (LinkKind::Reset, Locale::Fi) => (
                "Polku: uusi salasana".into(),
                format!(
                    "Joku (toivottavasti sinä) pyysi uutta salasanaa Polkuun tälle osoitteelle.\n\nAseta uusi \
                     salasana:\n{link}\n\nLinkki toimii tunnin ja kerran. Jos et pyytänyt tätä, vanha salasanasi \
                     toimii yhä eikä sinun tarvitse tehdä mitään.\n"
                ),
            ),
            (LinkKind::Reset, Locale::Sv) => (
                "Polku: nytt lösenord".into(),
                format!(
                    "Någon (förhoppningsvis du) bad om ett nytt lösenord till Polku för den här adressen.\n\nVälj ett \
                     nytt lösenord:\n{link}\n\nLänken gäller i en timme och en gång. Om du inte bad om detta fungerar \
                     ditt gamla lösenord fortfarande och du behöver inte göra något.\n"
                ),
            ),
            (LinkKind::Reset, Locale::En) => (
                "Polku: a new password".into(),
                format!(
                    "Someone (hopefully you) asked for a new Polku password for this address.\n\nChoose a new \
                     password:\n{link}\n\nThe link works for one hour, once. If you did not ask for this, your old \
                     password still works and you need do nothing.\n"
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn owners_alone_touch_admins_and_owners() {
        assert!(may_assign(Owner, Some(Admin), Owner) && may_assign(Owner, Some(Owner), Viewer));
        assert!(may_assign(Owner, None, Admin));
        assert!(may_assign(Admin, Some(Viewer), Analyst) && may_assign(Admin, None, Agent));
        for (from, to) in
            [(Some(Viewer), Admin), (Some(Admin), Viewer), (Some(Owner), Agent), (None, Owner), (None, Admin)]
        {
            assert!(!may_assign(Admin, from, to), "{from:?} → {to:?}");
        }
        for actor in [Analyst, Agent, Viewer] {
            assert!(!may_assign(actor, Some(Viewer), Viewer), "{actor:?}");
            assert!(!may_remove(actor, Viewer, false) && may_remove(actor, actor, true), "{actor:?}");
        }
        assert!(
            may_remove(Admin, Analyst, false) && !may_remove(Admin, Admin, false) && !may_remove(Admin, Owner, false)
        );
        assert!(may_remove(Owner, Owner, false) && may_remove(Admin, Admin, true));
    }

    #[test]
    fn mails_carry_the_link_in_every_language() {
        for kind in [LinkKind::Invitation, LinkKind::Reset] {
            for existing in [false, true] {
                let mail = AccessMail {
                    kind,
                    organisation: "Sivellin Oy",
                    inviter: "Olli",
                    existing,
                    link: "https://polku.example/x/abc",
                };
                let mut bodies = Vec::new();
                for locale in [Locale::Fi, Locale::Sv, Locale::En] {
                    let (subject, body) = mail.render(locale);
                    assert!(!subject.contains('\n') && body.contains("https://polku.example/x/abc"), "{body}");
                    bodies.push(body);
                }
                bodies.dedup();
                assert_eq!(bodies.len(), 3, "each language has its own text");
            }
            assert_eq!(LinkKind::parse(kind.as_str()), Some(kind));
        }
    }
}

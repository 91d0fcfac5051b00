//! Telling people about cases: which settings are valid, what the e-mail and the webhook say, and when a
//! failed delivery is tried again. Pure: the sending is `polku-app`'s.
//!
//! A notification is a row of an outbox written in the transaction that opened or escalated its case, so
//! it exists exactly when the case does; a sender job delivers it at least once (a crash between sending
//! and marking it sent repeats it, which is why every delivery carries the notification's id).

use crate::Locale;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};
use time::{Duration, OffsetDateTime};

/// Deliveries tried before a notification is marked failed (about 7 hours with [`retry_delay`]); an admin
/// may retry a failed one.
pub const MAX_ATTEMPTS: u32 = 14;
/// Longest comment excerpt in a message, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// What happened to the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A rule made a new case: its owner (else its team, else the admins) is told.
    Opened,
    /// The case is past due and still open: the rule's lead and the owner are told.
    Escalated,
    /// The case was resolved some days ago: the customer is asked the same question again.
    FollowUp,
    /// An improvement shipped: a customer whose feedback fed it hears what changed.
    Improvement,
    /// A customer is invited to answer a survey through their personal link.
    Invitation,
    /// The one reminder of an invitation not answered.
    Reminder,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Opened => "opened",
            Event::Escalated => "escalated",
            Event::FollowUp => "follow_up",
            Event::Improvement => "improvement",
            Event::Invitation => "invitation",
            Event::Reminder => "reminder",
        }
    }
    pub fn parse(s: &str) -> Option<Event> {
        [Event::Opened, Event::Escalated, Event::FollowUp, Event::Improvement, Event::Invitation, Event::Reminder]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Plain text (a relay on the same machine or network only).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::Starttls => "starttls",
            TlsMode::Tls => "tls",
        }
    }
    pub fn parse(s: &str) -> Option<TlsMode> {
        [TlsMode::None, TlsMode::Starttls, TlsMode::Tls].into_iter().find(|m| m.as_str() == s)
    }
}

/// An organisation's SMTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Sign in with these when given (both or neither).
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender address, e.g. `Polku <cx@example.fi>`.
    pub from: String,
}

/// An organisation's outgoing webhook: a Slack-compatible JSON body, signed with the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

/// Without the password: settings end up in logs and panics.
impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// Without the secret, and with only the URL's host (a Slack hook's path is its credential).
impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").field("host", &url_host(&self.url)).field("secret", &"***").finish()
    }
}

/// The host (and port) of an `http(s)://` URL, or `""`.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

/// Whether `host` (a name or an address, maybe with a port) is this machine or a private, link-local or
/// otherwise internal address as written: the targets an organisation's admin must not be able to reach
/// through Polku's server unless the operator allows it. Addresses are read the way resolvers and URL
/// parsers read them (`127.1`, `0x7f000001`, `2130706433` are all 127.0.0.1); a public-looking name must
/// still have every address it resolves to checked with [`is_internal_ip`] before a connection is made.
pub fn is_internal_host(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.split_once(']')).map_or_else(
        || host.rsplit_once(':').filter(|(h, p)| !h.contains(':') && p.parse::<u16>().is_ok()).map_or(host, |(h, _)| h),
        |(h, _)| h,
    );
    let bare = bare.trim_end_matches('.').to_ascii_lowercase();
    if bare.is_empty()
        || bare == "localhost"
        || bare.ends_with(".localhost")
        || bare.ends_with(".internal")
        || bare.ends_with(".local")
    {
        return true;
    }
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return is_internal_ip(ip);
    }
    loose_ipv4(&bare).is_some_and(|ip| is_internal_ip(IpAddr::V4(ip)))
}

/// An IPv4 address in any of the forms `inet_aton` and the WHATWG URL parser accept: one to four parts,
/// each decimal, octal (leading `0`) or hexadecimal (`0x`), the last part filling the remaining bytes
/// (`127.1`, `0x7f.1`, `2130706433`).
pub fn loose_ipv4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 16 {
            return None;
        }
        let v = if digits.is_empty() { 0 } else { u64::from_str_radix(digits, radix).ok()? };
        values.push(v);
    }
    let (last, head) = values.split_last()?;
    if head.iter().any(|&v| v > 255) || *last >= 1u64 << (8 * (5 - values.len())) {
        return None;
    }
    let mut n: u64 = *last;
    for (i, &v) in head.iter().enumerate() {
        n |= v << (8 * (3 - i));
    }
    Some(Ipv4Addr::from(u32::try_from(n).ok()?))
}

/// Whether an address is one an organisation's target must not be: this machine, private, shared, link-local,
/// benchmarking, multicast, reserved or unspecified, and IPv6 forms that carry or reach an IPv4 address
/// (mapped, compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`).
pub fn is_internal_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, _, _] = v4.octets();
            a == 0                                  // 0.0.0.0/8 "this network"
                || a == 10
                || a == 127
                || a == 100 && (b & 0xc0) == 64     // 100.64.0.0/10 shared (carrier-grade NAT)
                || a == 169 && b == 254
                || a == 172 && (b & 0xf0) == 16
                || a == 192 && b == 168
                || a == 192 && b == 0 && v4.octets()[2] == 0 // 192.0.0.0/24 protocol assignments
                || a == 198 && (b & 0xfe) == 18     // 198.18.0.0/15 benchmarking
                || a >= 224 // multicast 224/4, reserved 240/4 and broadcast
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_ip(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || s[..6] == [0; 6]                 // ::/96 IPv4-compatible (deprecated, reaches IPv4)
                || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] // NAT64
                || s[0] == 0x2002                   // 6to4
                || (s[0] & 0xfe00) == 0xfc00        // unique local
                || (s[0] & 0xffc0) == 0xfe80        // link-local
                || (s[0] & 0xffc0) == 0xfec0        // site-local (deprecated)
                || (s[0] & 0xff00) == 0xff00        // multicast
                || s[..4] == [0x100, 0, 0, 0] // discard-only 100::/64
        }
    }
}

/// Where an organisation's notifications go. Neither: they are only seen in the UI and API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub smtp: Option<Smtp>,
    pub webhook: Option<Webhook>,
    /// The language of webhook messages (an e-mail is in its recipient's language).
    pub locale: Locale,
}

fn plain(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

impl Settings {
    /// Checks settings as given; each problem names its field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(s) = &self.smtp {
            let host_ok = plain(&s.host) && s.host.len() <= 253 && !s.host.contains(char::is_whitespace);
            if !host_ok {
                return Err(("smtp.host", "must be a host name or address without spaces".into()));
            }
            if s.port == 0 {
                return Err(("smtp.port", "must be 1–65535".into()));
            }
            if s.tls == TlsMode::None && s.username.is_some() && !is_loopback(&s.host) {
                return Err((
                    "smtp.tls",
                    "must be starttls or tls when signing in: a password is never sent unencrypted beyond this machine"
                        .into(),
                ));
            }
            match (&s.username, &s.password) {
                (Some(u), Some(p)) if plain(u) && plain(p) && u.len() <= 256 && p.len() <= 256 => {}
                (None, None) => {}
                (Some(_), None) => return Err(("smtp.password", "is required with a user name".into())),
                (None, Some(_)) => return Err(("smtp.username", "is required with a password".into())),
                (Some(u), Some(_)) if !plain(u) || u.len() > 256 => {
                    return Err(("smtp.username", "must be 1–256 characters without control characters".into()));
                }
                _ => return Err(("smtp.password", "must be 1–256 characters without control characters".into())),
            }
            if !valid_mailbox(&s.from) {
                return Err((
                    "smtp.from",
                    "must be an e-mail address, e.g. cx@example.fi or Name <cx@example.fi>".into(),
                ));
            }
        }
        if let Some(w) = &self.webhook {
            let scheme = w.url.starts_with("https://") || w.url.starts_with("http://");
            if !scheme || w.url.len() > 2000 || w.url.contains(char::is_whitespace) || !plain(&w.url) {
                return Err(("webhook.url", "must be an http:// or https:// address without spaces".into()));
            }
            let authority = w.url.split("://").nth(1).unwrap_or("").split(['/', '?', '#']).next().unwrap_or("");
            if authority.contains('@') {
                return Err(("webhook.url", "must not carry a user name or password".into()));
            }
            if url_host(&w.url).is_empty() {
                return Err(("webhook.url", "must name a host".into()));
            }
            if w.secret.chars().count() < 16 || w.secret.len() > 200 || !plain(&w.secret) {
                return Err(("webhook.secret", "must be 16–200 characters without control characters".into()));
            }
        }
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    h == "localhost" || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `a@b.c` or `Name <a@b.c>`: the shape only; the SMTP server has the last word.
pub fn valid_mailbox(s: &str) -> bool {
    let s = s.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        (None, false) => s,
        _ => return false,
    };
    let Some((local, domain)) = addr.rsplit_once('@') else { return false };
    plain(s)
        && s.len() <= 320
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !addr.contains(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == ',')
}

/// A bare address `a@b.c` (no display name, no spaces): what an account or an invitation is for.
pub fn valid_address(s: &str) -> bool {
    valid_mailbox(s) && !s.contains(|c: char| c.is_whitespace() || c == '<' || c == '>')
}

/// The wait before delivery attempt `attempts + 1`, after `attempts` failed ones: 30 s, doubling up to an
/// hour. `None`: give up (the notification is marked failed).
pub fn retry_delay(attempts: u32) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let seconds = 30i64 << attempts.saturating_sub(1).min(7);
    Some(Duration::seconds(seconds.min(3600)))
}

/// What a message says about its case.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub event: Event,
    pub organisation: String,
    pub rule: String,
    /// The response's customer reference, if it named one.
    pub customer: Option<String>,
    /// The headline score (`nps 3`).
    pub score: Option<(String, i16)>,
    pub comment: Option<String>,
    pub due_at: OffsetDateTime,
    /// The case's page.
    pub url: String,
    /// The lead it went to, for an escalation.
    pub lead: Option<String>,
}

struct Texts {
    opened: &'static str,
    escalated: &'static str,
    rule: &'static str,
    customer: &'static str,
    score: &'static str,
    due: &'static str,
    lead: &'static str,
    open: &'static str,
    footer: &'static str,
}

fn texts(locale: Locale) -> &'static Texts {
    const FI: Texts = Texts {
        opened: "Uusi tapaus",
        escalated: "Tapaus myöhässä ja eskaloitu",
        rule: "Sääntö",
        customer: "Asiakas",
        score: "Arvio",
        due: "Määräaika",
        lead: "Eskaloitu",
        open: "Avaa tapaus",
        footer: "Tämän viestin lähetti Polku, koska tapaus on sinun, tiimisi tai ylläpitäjien hoidettavana.",
    };
    const SV: Texts = Texts {
        opened: "Nytt ärende",
        escalated: "Ärendet är försenat och eskalerat",
        rule: "Regel",
        customer: "Kund",
        score: "Betyg",
        due: "Förfallotid",
        lead: "Eskalerat till",
        open: "Öppna ärendet",
        footer: "Polku skickade detta meddelande eftersom ärendet hanteras av dig, ditt team eller administratörerna.",
    };
    const EN: Texts = Texts {
        opened: "New case",
        escalated: "Case overdue and escalated",
        rule: "Rule",
        customer: "Customer",
        score: "Score",
        due: "Due",
        lead: "Escalated to",
        open: "Open the case",
        footer: "Polku sent this message because the case is handled by you, your team or the admins.",
    };
    match locale {
        Locale::Fi => &FI,
        Locale::Sv => &SV,
        Locale::En => &EN,
    }
}

/// `2026-11-23 14:05 UTC`: unambiguous in every language.
fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// At most [`EXCERPT_CHARS`] characters of `text` on one line, with "…" when cut.
pub fn excerpt(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= EXCERPT_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(EXCERPT_CHARS - 1).collect();
    cut.push('…');
    cut
}

impl Notice {
    fn title(&self, t: &Texts) -> String {
        let head = match self.event {
            Event::Opened | Event::FollowUp | Event::Improvement | Event::Invitation | Event::Reminder => t.opened,
            Event::Escalated => t.escalated,
        };
        format!("{head}: {}", self.rule)
    }

    /// `(label, value)` lines shared by both channels.
    fn facts(&self, t: &Texts) -> Vec<(&'static str, String)> {
        let mut out = vec![(t.rule, self.rule.clone())];
        if let Some(c) = &self.customer {
            out.push((t.customer, c.clone()));
        }
        if let Some((kind, score)) = &self.score {
            out.push((t.score, format!("{} {score}", kind.to_uppercase())));
        }
        out.push((t.due, when(self.due_at)));
        if let (Event::Escalated, Some(lead)) = (self.event, &self.lead) {
            out.push((t.lead, lead.clone()));
        }
        out
    }

    /// The subject and plain-text body of the e-mail, in `locale`.
    pub fn email(&self, locale: Locale) -> (String, String) {
        let t = texts(locale);
        let subject = format!("[{}] {}", self.organisation, self.title(t));
        let mut body = String::new();
        for (label, value) in self.facts(t) {
            body.push_str(&format!("{label}: {value}\n"));
        }
        if let Some(c) = &self.comment {
            body.push_str(&format!("\n“{}”\n", excerpt(c)));
        }
        body.push_str(&format!("\n{}: {}\n\n-- \n{}\n", t.open, self.url, t.footer));
        // A subject is one line whatever the rule's name held.
        (subject.replace(['\r', '\n'], " "), body)
    }

    /// The webhook's JSON body, in `locale`: Slack's `text` and `blocks` (mrkdwn, escaped as Slack asks),
    /// which Slack, Mattermost and Teams' Slack-compatible hooks show, and the plain facts under `polku`
    /// for any other receiver.
    pub fn webhook_body(&self, locale: Locale, case_id: &str, delivery: i64) -> serde_json::Value {
        let t = texts(locale);
        let mut lines = vec![format!("*{}*", slack_escape(&self.title(t)))];
        for (label, value) in self.facts(t) {
            lines.push(format!("*{}:* {}", slack_escape(label), slack_escape(&value)));
        }
        if let Some(c) = &self.comment {
            lines.push(format!(">{}", slack_escape(&excerpt(c))));
        }
        lines.push(format!("<{}|{}>", slack_escape(&self.url), slack_escape(t.open)));
        let text = lines.join("\n");
        serde_json::json!({
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            "polku": {
                "delivery": delivery,
                "event": self.event.as_str(),
                "case_id": case_id,
                "organisation": self.organisation,
                "rule": self.rule,
                "customer": self.customer,
                "score": self.score.as_ref().map(|(k, s)| serde_json::json!({"kind": k, "value": s})),
                "comment": self.comment.as_deref().map(excerpt),
                "due_at": self.due_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "url": self.url,
                "lead": self.lead,
            }
        })
    }
}

/// The e-mail that asks a customer the same question again after their case was resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Invitation {
    pub organisation: String,
    /// The question as the customer saw it, in their language.
    pub question: String,
    /// When they first answered.
    pub answered_at: OffsetDateTime,
    /// The follow-up page.
    pub url: String,
}

impl Invitation {
    /// The subject and plain-text body, in the customer's language.
    pub fn email(&self, locale: Locale) -> (String, String) {
        let d = self.answered_at.to_offset(time::UtcOffset::UTC).date();
        let date = format!("{}.{}.{}", d.day(), u8::from(d.month()), d.year());
        let (subject, body) = match locale {
            Locale::Fi => (
                format!("{}: miten onnistuimme?", self.organisation),
                format!(
                    "Hei,\n\nkerroit meille {date} kokemuksestasi, ja olemme sen jälkeen hoitaneet asian. Haluaisimme tietää, miltä tilanne näyttää nyt – vastaaminen vie muutaman sekunnin:\n\n{}\n{}\n\nKiitos, että autat meitä parantamaan.\n{}\n",
                    self.question, self.url, self.organisation
                ),
            ),
            Locale::Sv => (
                format!("{}: hur gick det?", self.organisation),
                format!(
                    "Hej,\n\ndu berättade för oss den {date} om din upplevelse, och vi har sedan tagit hand om saken. Vi vill gärna veta hur det känns nu – det tar några sekunder att svara:\n\n{}\n{}\n\nTack för att du hjälper oss att bli bättre.\n{}\n",
                    self.question, self.url, self.organisation
                ),
            ),
            Locale::En => (
                format!("{}: how did we do?", self.organisation),
                format!(
                    "Hello,\n\non {date} you told us about your experience, and we have since worked on it. We would like to know how things look now – answering takes a few seconds:\n\n{}\n{}\n\nThank you for helping us improve.\n{}\n",
                    self.question, self.url, self.organisation
                ),
            ),
        };
        (subject.replace(['\r', '\n'], " "), body)
    }
}

/// "You said, we did": the e-mail that tells a customer whose feedback fed an improvement what changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipped {
    pub organisation: String,
    /// What was done, in the customer's language where the business wrote one.
    pub text: String,
}

impl Shipped {
    /// The subject and plain-text body, in the customer's language.
    pub fn email(&self, locale: Locale) -> (String, String) {
        let (subject, hello, said, thanks) = match locale {
            Locale::Fi => (
                "sanoit, me teimme",
                "Hei,",
                "kerroit meille palautteessasi, mikä ei toiminut. Kuuntelimme, ja nyt asia on muuttunut:",
                "Kiitos, että kerroit. Palautteesi teki tämän mahdolliseksi.",
            ),
            Locale::Sv => (
                "du sa, vi gjorde",
                "Hej,",
                "i din återkoppling berättade du vad som inte fungerade. Vi lyssnade, och nu har det ändrats:",
                "Tack för att du berättade. Din återkoppling gjorde det här möjligt.",
            ),
            Locale::En => (
                "you said, we did",
                "Hello,",
                "in your feedback you told us what did not work. We listened, and this has now changed:",
                "Thank you for telling us. Your feedback made this happen.",
            ),
        };
        (
            format!("{}: {subject}", self.organisation).replace(['\r', '\n'], " "),
            format!("{hello}\n\n{said}\n\n{}\n\n{thanks}\n{}\n", self.text.trim(), self.organisation),
        )
    }
}

/// Slack's mrkdwn escaping: `&`, `<` and `>` only (a customer's "<@channel>" must not ping anyone).
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(event: Event) -> Notice {
        Notice {
            event,
            organisation: "Maalaus Oy".into(),
            rule: "NPS ≤ 6".into(),
            customer: Some("C-42".into()),
            score: Some(("nps".into(), 3)),
            comment: Some("Maalari <b>myöhässä</b> & sotku\njäi".into()),
            due_at: time::macros::datetime!(2026-11-24 09:30 UTC),
            url: "https://cx.example.fi/cases/abc".into(),
            lead: Some("Liisa".into()),
        }
    }

    #[test]
    fn retries_back_off_to_an_hour_then_give_up() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS).map(|n| retry_delay(n).unwrap().whole_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600, 3600, 3600]);
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        let total: i64 = waits.iter().sum();
        assert!((6 * 3600..8 * 3600).contains(&total), "about 7 hours of retries, got {total} s");
    }

    #[test]
    fn email_is_in_the_recipients_language_with_the_facts_and_link() {
        let (subject, body) = notice(Event::Opened).email(Locale::Fi);
        assert_eq!(subject, "[Maalaus Oy] Uusi tapaus: NPS ≤ 6");
        assert!(body.contains("Asiakas: C-42\n"), "{body}");
        assert!(body.contains("Arvio: NPS 3\n"), "{body}");
        assert!(body.contains("Määräaika: 2026-11-24 09:30 UTC\n"), "{body}");
        assert!(body.contains("“Maalari <b>myöhässä</b> & sotku jäi”"), "one line, as written: {body}");
        assert!(body.contains("Avaa tapaus: https://cx.example.fi/cases/abc"), "{body}");
        assert!(!body.contains("Eskaloitu"), "no lead on a new case: {body}");
        let (subject, body) = notice(Event::Escalated).email(Locale::Sv);
        assert_eq!(subject, "[Maalaus Oy] Ärendet är försenat och eskalerat: NPS ≤ 6");
        assert!(body.contains("Eskalerat till: Liisa"), "{body}");
    }

    #[test]
    fn a_subject_stays_one_line() {
        let mut n = notice(Event::Opened);
        n.rule = "a\r\nBcc: x@y.z".into();
        let (subject, _) = n.email(Locale::En);
        assert!(!subject.contains(['\r', '\n']), "{subject:?}");
    }

    #[test]
    fn webhook_body_is_slack_mrkdwn_escaped_with_plain_facts_beside() {
        let body = notice(Event::Escalated).webhook_body(Locale::En, "abc", 7);
        let text = body["text"].as_str().unwrap();
        assert!(text.starts_with("*Case overdue and escalated: NPS ≤ 6*\n"), "{text}");
        assert!(text.contains(">Maalari &lt;b&gt;myöhässä&lt;/b&gt; &amp; sotku jäi"), "{text}");
        assert!(text.ends_with("<https://cx.example.fi/cases/abc|Open the case>"), "{text}");
        assert_eq!(body["blocks"][0]["text"]["text"], text);
        assert_eq!(body["polku"]["event"], "escalated");
        assert_eq!(body["polku"]["delivery"], 7);
        assert_eq!(body["polku"]["comment"], "Maalari <b>myöhässä</b> & sotku jäi");
        assert_eq!(body["polku"]["score"]["value"], 3);
        assert_eq!(body["polku"]["due_at"], "2026-11-24T09:30:00Z");
    }

    #[test]
    fn long_comments_are_cut() {
        let long = "sana ".repeat(200);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt("lyhyt"), "lyhyt");
    }

    fn smtp() -> Smtp {
        Smtp {
            host: "smtp.example.fi".into(),
            port: 587,
            tls: TlsMode::Starttls,
            username: Some("cx".into()),
            password: Some("pw".into()),
            from: "Polku <cx@example.fi>".into(),
        }
    }

    #[test]
    fn settings_errors_name_their_field() {
        let ok = Settings {
            smtp: Some(smtp()),
            webhook: Some(Webhook { url: "https://hooks.slack.com/services/T/B/X".into(), secret: "s".repeat(16) }),
            locale: Locale::Fi,
        };
        assert_eq!(ok.validate(), Ok(()));
        let field = |f: &dyn Fn(&mut Settings)| {
            let mut s = ok.clone();
            f(&mut s);
            s.validate().unwrap_err().0
        };
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().host = "smtp example".into()), "smtp.host");
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().port = 0), "smtp.port");
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().password = None), "smtp.password");
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().username = None), "smtp.username");
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().from = "cx at example".into()), "smtp.from");
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().from = "a@b.fi\r\nBcc: c@d.fi".into()), "smtp.from");
        assert_eq!(field(&|s| s.webhook.as_mut().unwrap().url = "ftp://x.fi/".into()), "webhook.url");
        assert_eq!(field(&|s| s.webhook.as_mut().unwrap().url = "https:///path".into()), "webhook.url");
        assert_eq!(field(&|s| s.webhook.as_mut().unwrap().secret = "short".into()), "webhook.secret");
        assert_eq!(
            field(&|s| s.webhook.as_mut().unwrap().url = "https://u:p@hooks.example.fi/x".into()),
            "webhook.url"
        );
        assert_eq!(field(&|s| s.smtp.as_mut().unwrap().tls = TlsMode::None), "smtp.tls", "a password in clear text");
        let mut local = ok.clone();
        let smtp = local.smtp.as_mut().unwrap();
        (smtp.host, smtp.tls) = ("127.0.0.1".into(), TlsMode::None);
        assert_eq!(local.validate(), Ok(()), "a relay on this machine may take a password in clear text");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let w = Webhook {
            url: "https://hooks.slack.com/services/T0/B0/XyZsecret".into(),
            secret: "s3cr3t-s3cr3t-s3cr3t".into(),
        };
        let shown = format!("{w:?} {:?}", smtp());
        assert!(!shown.contains("XyZsecret") && !shown.contains("s3cr3t") && !shown.contains("\"pw\""), "{shown}");
        assert!(shown.contains("hooks.slack.com"), "{shown}");
    }

    #[test]
    fn internal_hosts_are_recognised() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.0.0.1:8080",
            "10.1.2.3",
            "192.168.0.5:25",
            "172.16.9.9",
            "169.254.169.254",
            "[::1]:8080",
            "::1",
            "fd00::1",
            "fe80::1",
            "0.0.0.0",
            "100.64.0.1",
            "db.internal",
            "printer.local",
            "[::ffff:10.0.0.1]",
        ] {
            assert!(is_internal_host(h), "{h}");
        }
        for h in ["hooks.slack.com", "8.8.8.8", "smtp.example.fi:587", "[2001:db8::1]:443", "172.32.0.1"] {
            assert!(!is_internal_host(h), "{h}");
        }
        // Found in the security review: numeric forms that resolvers and URL parsers read as internal.
        for h in [
            "0x7f000001",
            "0x7f000001:8080",
            "2130706433",
            "127.1",
            "0177.0.0.1",
            "2852039166",
            "0.0.0.0:25",
            "198.18.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "[64:ff9b::a00:1]",
            "[2002:7f00:1::]",
            "[::7f00:1]",
            "[::ffff:7f00:1]",
            "[fec0::1]",
            "[ff02::1]",
            "",
        ] {
            assert!(is_internal_host(h), "{h}");
        }
    }

    #[test]
    fn loose_ipv4_reads_every_inet_aton_form() {
        let ip = |s: &str| loose_ipv4(s).map(|a| a.to_string());
        assert_eq!(ip("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("0x7f000001").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("2130706433").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("2852039166").as_deref(), Some("169.254.169.254"));
        assert_eq!(ip("0177.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("10.0x10.1").as_deref(), Some("10.16.0.1"));
        for not in ["256.1.1.1", "1.2.3.4.5", "4294967296", "08.1.1.1", "hooks", "1..2", "1.2.3.256", "0xg"] {
            assert_eq!(ip(not), None, "{not}");
        }
        assert_eq!(url_host("https://user:pw@hooks.example.fi:8443/a?b"), "hooks.example.fi:8443");
    }

    #[test]
    fn mailbox_shapes() {
        for ok in ["cx@example.fi", "Polku <cx@example.fi>", "\"CX, Oy\" <cx@mail.example.fi>"] {
            assert!(valid_mailbox(ok), "{ok}");
        }
        for bad in ["", "cx", "cx@", "@example.fi", "cx@localhost", "a@b.fi, c@d.fi", "Name <a@b.fi", "a b@c.fi"] {
            assert!(!valid_mailbox(bad), "{bad}");
        }
        assert!(valid_address("cx@example.fi"));
        for bad in ["Polku <cx@example.fi>", "<cx@example.fi>", "cx@example.fi "] {
            assert!(!valid_address(bad), "{bad:?}: accounts take bare addresses");
        }
    }

    #[test]
    fn an_invitation_asks_the_same_question_in_the_customers_language() {
        let inv = Invitation {
            organisation: "Maalaus Oy".into(),
            question: "Kuinka todennäköisesti suosittelisit meitä?".into(),
            answered_at: time::macros::datetime!(2026-11-02 16:00 UTC),
            url: "https://cx.example.fi/f/abc".into(),
        };
        let (subject, body) = inv.email(Locale::Fi);
        assert_eq!(subject, "Maalaus Oy: miten onnistuimme?");
        assert!(body.contains("kerroit meille 2.11.2026"), "{body}");
        assert!(body.contains("Kuinka todennäköisesti suosittelisit meitä?\nhttps://cx.example.fi/f/abc"), "{body}");
        assert!(inv.email(Locale::Sv).1.contains("den 2.11.2026"));
        assert_eq!(inv.email(Locale::En).0, "Maalaus Oy: how did we do?");
    }

    #[test]
    fn names_round_trip() {
        for e in
            [Event::Opened, Event::Escalated, Event::FollowUp, Event::Improvement, Event::Invitation, Event::Reminder]
        {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        for m in [TlsMode::None, TlsMode::Starttls, TlsMode::Tls] {
            assert_eq!(TlsMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(TlsMode::parse("ssl"), None);
    }
}

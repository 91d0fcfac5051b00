//! Personal survey links (`/s/{slug}?i=TOKEN`), the base of every invitation channel.
//!
//! A token names one invitation (and so one customer and one survey) and when it expires, and is signed
//! with HMAC-SHA-256 under one of the organisation's link keys. The key's number travels in the token, so
//! after a rotation links signed with an older key keep working until they expire, as long as the key is
//! kept. Layout, base64url without padding: purpose (1 byte: answer or unsubscribe) ‖ key number (4, big-endian) ‖ invitation id
//! (16) ‖ expiry in Unix seconds (8, big-endian) ‖ the first 16 bytes of the MAC over what precedes it.
//! Nothing in it is secret; a change to any byte fails the MAC.

use base64::Engine;
use hmac::{KeyInit, Mac};
use time::OffsetDateTime;
use uuid::Uuid;

/// The first byte: what a token is for, so one kind cannot stand in for the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Opens the survey for the invitation (expires).
    Answer = 1,
    /// Unsubscribes the invitation's customer (for ever: signed with a far expiry).
    Unsubscribe = 2,
    /// Takes the invitation's customer out of the customer panel (for ever, like unsubscribing).
    LeavePanel = 3,
}
const BODY: usize = 1 + 4 + 16 + 8;
const MAC_LEN: usize = 16;
/// How long a personal link works unless the survey says otherwise.
pub const DEFAULT_TTL_DAYS: u16 = 30;
/// The longest a survey may let its links work.
pub const MAX_TTL_DAYS: u16 = 365;

/// What a valid token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims {
    pub key: u32,
    pub invitation: Uuid,
    pub expires: OffsetDateTime,
}

/// Why a link does not open a survey; the customer is shown a friendly page for either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not a token, changed, or signed with a key the organisation does not have.
    Invalid,
    Expired,
}

fn mac(key: &[u8], body: &[u8]) -> [u8; MAC_LEN] {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(body);
    let full = m.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The token for `claims`, signed with `key` (the key numbered `claims.key`).
pub fn sign(key: &[u8], claims: &Claims) -> String {
    sign_for(Purpose::Answer, key, claims)
}

/// The token for `claims` and `purpose`.
pub fn sign_for(purpose: Purpose, key: &[u8], claims: &Claims) -> String {
    let mut bytes = Vec::with_capacity(BODY + MAC_LEN);
    bytes.push(purpose as u8);
    bytes.extend_from_slice(&claims.key.to_be_bytes());
    bytes.extend_from_slice(claims.invitation.as_bytes());
    bytes.extend_from_slice(&claims.expires.unix_timestamp().to_be_bytes());
    let tag = mac(key, &bytes);
    bytes.extend_from_slice(&tag);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn decode(token: &str) -> Option<Vec<u8>> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    (bytes.len() == BODY + MAC_LEN).then_some(bytes)
}

/// The number of the key a token claims to be signed with, to look that key up; `None` if it is no token.
pub fn key_of(token: &str) -> Option<u32> {
    let bytes = decode(token)?;
    Some(u32::from_be_bytes(bytes[1..5].try_into().ok()?))
}

/// Checks `token` against `key` (the one [`key_of`] named; `None` when the organisation has no such key)
/// and its expiry at `now`. The MAC is checked first, so an expired answer is only given for a real link.
pub fn verify(token: &str, key: Option<&[u8]>, now: OffsetDateTime) -> Result<Claims, LinkError> {
    verify_for(Purpose::Answer, token, key, now)
}

/// [`verify`] for a token of `purpose`; a token made for another purpose is invalid.
pub fn verify_for(purpose: Purpose, token: &str, key: Option<&[u8]>, now: OffsetDateTime) -> Result<Claims, LinkError> {
    let bytes = decode(token).filter(|b| b[0] == purpose as u8).ok_or(LinkError::Invalid)?;
    let key = key.ok_or(LinkError::Invalid)?;
    let (body, tag) = bytes.split_at(BODY);
    let expected = mac(key, body);
    // Compared without telling, by timing, how much of a forgery was right.
    if expected.iter().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return Err(LinkError::Invalid);
    }
    let number = u32::from_be_bytes(body[1..5].try_into().map_err(|_| LinkError::Invalid)?);
    let invitation = Uuid::from_slice(&body[5..21]).map_err(|_| LinkError::Invalid)?;
    let seconds = i64::from_be_bytes(body[21..29].try_into().map_err(|_| LinkError::Invalid)?);
    let expires = OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| LinkError::Invalid)?;
    if expires <= now {
        return Err(LinkError::Expired);
    }
    Ok(Claims { key: number, invitation, expires })
}

/// An invitation's e-mail in the customer's language: the subject and the plain text, with the personal
/// link and the way out.
pub fn email(
    locale: crate::Locale,
    organisation: &str,
    question: &str,
    link: &str,
    unsubscribe: &str,
) -> (String, String) {
    use crate::Locale;
    let (subject, ask, thanks, leave) = match locale {
        Locale::Fi => (
            format!("{organisation} kysyy mielipidettäsi"),
            "Vastaaminen vie vain hetken:",
            "Kiitos, että autat meitä palvelemaan paremmin.",
            "Et halua enää tällaisia viestejä? Peru tilaus:",
        ),
        Locale::Sv => (
            format!("{organisation} vill höra vad du tycker"),
            "Det tar bara ett ögonblick att svara:",
            "Tack för att du hjälper oss att bli bättre.",
            "Vill du inte få sådana meddelanden? Avsluta här:",
        ),
        Locale::En => (
            format!("{organisation} would like your opinion"),
            "Answering takes only a moment:",
            "Thank you for helping us serve you better.",
            "Rather not get messages like this? Unsubscribe:",
        ),
    };
    let body = format!("{question}\n\n{ask}\n{link}\n\n{thanks}\n{organisation}\n\n--\n{leave}\n{unsubscribe}\n");
    (subject, body)
}

/// The way out of the customer panel, under a study's message.
pub fn leave_panel_text(locale: crate::Locale) -> &'static str {
    match locale {
        crate::Locale::Fi => "Et halua enää osallistua asiakaspaneeliin? Eroa yhdellä napsautuksella:",
        crate::Locale::Sv => "Vill du inte längre vara med i kundpanelen? Gå ur med ett klick:",
        crate::Locale::En => "Rather not be in the customer panel any more? Leave with one click:",
    }
}

/// A reminder's subject: the invitation's, marked as a reminder.
pub fn reminder_subject(locale: crate::Locale, subject: &str) -> String {
    let mark = match locale {
        crate::Locale::Fi => "Muistutus",
        crate::Locale::Sv => "Påminnelse",
        crate::Locale::En => "Reminder",
    };
    format!("{mark}: {subject}")
}

/// Text safe to place in HTML content or a quoted attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The first question's score row for an invitation's HTML: the question key and its scale, when it is an
/// NPS (0–10) or CSAT (1–5) question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreRow<'a> {
    pub key: &'a str,
    pub kind: crate::survey::QuestionType,
}

impl ScoreRow<'_> {
    /// The row's scale, or `None` for a question that gets no inline row.
    pub fn scale(&self) -> Option<(i16, i16)> {
        use crate::survey::QuestionType;
        matches!(self.kind, QuestionType::Nps | QuestionType::Csat).then(|| self.kind.scale()).flatten()
    }

    /// The row as HTML: one link per score to `link` with the score pre-selected (`q_{key}=n`). Opening one
    /// only shows the page with the score chosen: nothing is stored until the customer sends it, so mail
    /// scanners that follow every link answer nothing.
    pub fn html(&self, locale: crate::Locale, link: &str) -> String {
        use crate::Locale;
        let Some((low, high)) = self.scale() else { return String::new() };
        let sep = if link.contains('?') { "&" } else { "?" };
        let mut cells = String::new();
        for n in low..=high {
            cells.push_str(&format!(
                "<td style=\"padding:2px\"><a href=\"{href}\" style=\"display:inline-block;min-width:26px;padding:8px 4px;\
                 border:1px solid #1f5fa8;border-radius:4px;text-align:center;text-decoration:none;color:#1f5fa8;\
                 font-weight:bold\">{n}</a></td>",
                href = escape_html(&format!("{link}{sep}q_{}={n}", self.key)),
            ));
        }
        let (low_text, high_text) = match (self.kind, locale) {
            (crate::survey::QuestionType::Nps, Locale::Fi) => {
                ("ei lainkaan todennäköisesti", "erittäin todennäköisesti")
            }
            (crate::survey::QuestionType::Nps, Locale::Sv) => ("inte alls sannolikt", "mycket sannolikt"),
            (crate::survey::QuestionType::Nps, Locale::En) => ("not at all likely", "extremely likely"),
            (_, Locale::Fi) => ("erittäin tyytymätön", "erittäin tyytyväinen"),
            (_, Locale::Sv) => ("mycket missnöjd", "mycket nöjd"),
            (_, Locale::En) => ("very dissatisfied", "very satisfied"),
        };
        format!(
            "<table role=\"presentation\" style=\"border-collapse:collapse\"><tr>{cells}</tr></table>\
             <p style=\"font-size:12px;color:#555;margin:4px 0 16px\">{low} = {low_text} · {high} = {high_text}</p>"
        )
    }
}

/// E-mail tools a shop may already send its post-purchase and marketing mail from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTool {
    Klaviyo,
    Mailchimp,
    Brevo,
}

impl MailTool {
    pub const ALL: [MailTool; 3] = [MailTool::Klaviyo, MailTool::Mailchimp, MailTool::Brevo];

    pub fn as_str(self) -> &'static str {
        match self {
            MailTool::Klaviyo => "klaviyo",
            MailTool::Mailchimp => "mailchimp",
            MailTool::Brevo => "brevo",
        }
    }

    pub fn parse(s: &str) -> Option<MailTool> {
        MailTool::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            MailTool::Klaviyo => "Klaviyo",
            MailTool::Mailchimp => "Mailchimp",
            MailTool::Brevo => "Brevo",
        }
    }

    /// The tool's merge tag for the recipient's e-mail address (from each tool's template documentation).
    pub fn email_tag(self) -> &'static str {
        match self {
            MailTool::Klaviyo => "{{ email }}",
            MailTool::Mailchimp => "*|EMAIL|*",
            MailTool::Brevo => "{{ contact.EMAIL }}",
        }
    }

    /// The score row to paste into the tool: each score links to the survey page `base` (`…/s/{slug}`)
    /// with the channel, the touchpoint, the score and the tool's merge tag as `ref`, which ties the answer
    /// to the customer with that address (marked unverified: anyone holding the link could change it).
    pub fn score_row(self, base: &str, touchpoint: &str, row: ScoreRow<'_>, locale: crate::Locale) -> String {
        let mut link = format!("{base}?channel=email");
        if !touchpoint.is_empty() {
            link.push_str("&touchpoint=");
            link.push_str(touchpoint);
        }
        link.push_str("&ref=");
        link.push_str(self.email_tag());
        row.html(locale, &link)
    }
}

/// An invitation's HTML part (the text part is `email`'s): the question, its score row when it has one,
/// the link, and the way out.
pub fn email_html(
    locale: crate::Locale,
    organisation: &str,
    question: &str,
    row: Option<ScoreRow<'_>>,
    link: &str,
    unsubscribe: &str,
) -> String {
    use crate::Locale;
    let (ask, open, thanks, leave, out) = match locale {
        Locale::Fi => (
            "Vastaaminen vie vain hetken.",
            "Avaa kysely",
            "Kiitos, että autat meitä palvelemaan paremmin.",
            "Et halua enää tällaisia viestejä?",
            "Peru tilaus",
        ),
        Locale::Sv => (
            "Det tar bara ett ögonblick att svara.",
            "Öppna enkäten",
            "Tack för att du hjälper oss att bli bättre.",
            "Vill du inte få sådana meddelanden?",
            "Avsluta",
        ),
        Locale::En => (
            "Answering takes only a moment.",
            "Open the survey",
            "Thank you for helping us serve you better.",
            "Rather not get messages like this?",
            "Unsubscribe",
        ),
    };
    let e = escape_html;
    let row = row.map(|r| r.html(locale, link)).unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;line-height:1.5\">\
         <p style=\"font-size:16px\"><strong>{question}</strong></p>{row}\
         <p>{ask} <a href=\"{link}\" style=\"color:#1f5fa8\">{open}</a></p>\
         <p>{thanks}<br>{organisation}</p>\
         <p style=\"font-size:12px;color:#555\">{leave} <a href=\"{unsubscribe}\" style=\"color:#555\">{out}</a></p>\
         </body></html>",
        lang = locale.as_str(),
        question = e(question),
        link = e(link),
        organisation = e(organisation),
        unsubscribe = e(unsubscribe),
    )
}

/// One channel's funnel for a survey and period: invitations made, their messages sent and failed, links
/// opened (the page loaded: Polku sets no tracking pixel, so a message's opening is its link's), answers
/// through them, and all answers given through the channel (QR, kiosk and link answers have no invitation).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Funnel {
    pub channel: String,
    pub invited: u64,
    pub sent: u64,
    pub failed: u64,
    pub opened: u64,
    /// The page loaded (the same as `opened` for a personal link: answering starts on the page).
    pub started: u64,
    /// Answers through the channel in the period, with or without an invitation.
    pub completed: u64,
    /// Invitations answered of those invited, with its Wilson 95 % interval; `None` without invitations.
    pub response_rate: Option<f64>,
    pub response_rate_ci95: Option<[f64; 2]>,
}

impl Funnel {
    /// The rate and interval from `answered` of `invited`.
    pub fn with_rate(mut self, answered: u64) -> Funnel {
        if self.invited > 0 {
            let (lo, hi) = crate::metrics::wilson(answered.min(self.invited), self.invited);
            self.response_rate = Some(answered.min(self.invited) as f64 / self.invited as f64);
            self.response_rate_ci95 = Some([lo, hi]);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-05 10:00 UTC);

    fn claims() -> Claims {
        Claims { key: 2, invitation: Uuid::from_u128(0x1234), expires: datetime!(2027-01-04 10:00 UTC) }
    }

    #[test]
    fn a_signed_link_verifies_with_its_key_until_it_expires() {
        let token = sign(b"key two", &claims());
        assert!(token.len() < 64 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(key_of(&token), Some(2));
        assert_eq!(verify(&token, Some(b"key two"), NOW), Ok(claims()));
        assert_eq!(verify(&token, Some(b"key two"), datetime!(2027-01-04 10:00 UTC)), Err(LinkError::Expired));
        // Another key (a rotated-away one, or another organisation's) or none at all: invalid.
        assert_eq!(verify(&token, Some(b"key one"), NOW), Err(LinkError::Invalid));
        assert_eq!(verify(&token, None, NOW), Err(LinkError::Invalid));
    }

    #[test]
    fn the_message_is_in_the_customers_language_with_the_link_and_the_way_out() {
        let (subject, body) =
            email(crate::Locale::Sv, "Sivellin", "Hur var leveransen?", "https://x/s/a?i=T", "https://x/u/U");
        assert_eq!(subject, "Sivellin vill höra vad du tycker");
        assert!(body.starts_with("Hur var leveransen?\n") && body.contains("https://x/s/a?i=T\n"), "{body}");
        assert!(body.contains("Avsluta här:\nhttps://x/u/U"), "{body}");
    }

    #[test]
    fn the_response_rate_is_of_those_invited_with_its_interval() {
        let f = Funnel { channel: "email".into(), invited: 10, ..Funnel::default() }.with_rate(4);
        assert_eq!(f.response_rate, Some(0.4));
        let [lo, hi] = f.response_rate_ci95.unwrap();
        assert!(lo < 0.4 && 0.4 < hi && lo > 0.15 && hi < 0.7, "{lo} {hi}");
        let qr = Funnel { channel: "qr".into(), completed: 7, ..Funnel::default() }.with_rate(0);
        assert_eq!((qr.response_rate, qr.response_rate_ci95), (None, None), "no invitations, no rate");
    }

    #[test]
    fn any_changed_byte_or_a_non_token_is_invalid() {
        let token = sign(b"k", &claims());
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x01;
            let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&changed);
            assert_eq!(verify(&forged, Some(b"k"), NOW), Err(LinkError::Invalid), "byte {i}");
        }
        // An unsubscribe token does not open the survey, nor the other way round.
        let out = sign_for(Purpose::Unsubscribe, b"k", &claims());
        assert_eq!(verify(&out, Some(b"k"), NOW), Err(LinkError::Invalid));
        assert_eq!(verify_for(Purpose::Unsubscribe, &out, Some(b"k"), NOW), Ok(claims()));
        assert_eq!(verify_for(Purpose::Unsubscribe, &token, Some(b"k"), NOW), Err(LinkError::Invalid));
        // Expired but forged: invalid, not expired (the expiry is only told for a real link).
        let old = sign(b"k", &Claims { expires: datetime!(2020-01-01 0:00 UTC), ..claims() });
        assert_eq!(verify(&old, Some(b"other"), NOW), Err(LinkError::Invalid));
        for junk in ["", "x", "%%%", &token[..40], &format!("{token}AA")] {
            assert_eq!(verify(junk, Some(b"k"), NOW), Err(LinkError::Invalid), "{junk}");
            assert_eq!(key_of(junk), None, "{junk}");
        }
    }

    #[test]
    fn the_html_carries_a_score_row_whose_links_preselect_and_escapes_text() {
        use crate::survey::QuestionType;
        let row = ScoreRow { key: "nps", kind: QuestionType::Nps };
        let html = email_html(
            crate::Locale::Fi,
            "Kahvila <Aroma> & Co",
            "Suosittelisitko?",
            Some(row),
            "https://p.fi/s/abc?i=TOKEN",
            "https://p.fi/s/abc/unsubscribe?i=OUT",
        );
        for n in 0..=10 {
            assert!(html.contains(&format!("href=\"https://p.fi/s/abc?i=TOKEN&amp;q_nps={n}\"")), "{n}: {html}");
        }
        assert!(html.contains("Kahvila &lt;Aroma&gt; &amp; Co") && !html.contains("<Aroma>"), "{html}");
        assert!(html.contains("lang=\"fi\"") && html.contains("https://p.fi/s/abc/unsubscribe?i=OUT"));
        let csat = ScoreRow { key: "tyyt", kind: QuestionType::Csat }.html(crate::Locale::En, "https://p/s/x?i=T");
        assert!(csat.contains("q_tyyt=1") && csat.contains("q_tyyt=5") && !csat.contains("q_tyyt=6"), "{csat}");
        assert_eq!(ScoreRow { key: "ces", kind: QuestionType::Ces }.scale(), None, "CES gets no inline row");
    }

    #[test]
    fn each_tool_gets_its_own_merge_tag_in_every_score_link() {
        use crate::survey::QuestionType;
        let row = ScoreRow { key: "nps", kind: QuestionType::Nps };
        for (tool, tag) in [
            (MailTool::Klaviyo, "{{ email }}"),
            (MailTool::Mailchimp, "*|EMAIL|*"),
            (MailTool::Brevo, "{{ contact.EMAIL }}"),
        ] {
            let html = tool.score_row("https://p.fi/s/abc", "delivery", row, crate::Locale::Fi);
            for n in 0..=10 {
                let href =
                    format!("https://p.fi/s/abc?channel=email&amp;touchpoint=delivery&amp;ref={tag}&amp;q_nps={n}");
                assert!(html.contains(&href), "{tool:?} {n}: {html}");
            }
            assert_eq!(MailTool::parse(tool.as_str()), Some(tool));
        }
    }
}

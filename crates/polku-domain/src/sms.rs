//! SMS invitations through an organisation's own HTTP gateway (issue 15).
//!
//! Finnish and Nordic gateways all differ, so a gateway is a request template: URL, method, headers and
//! body, in which `{to}`, `{text}` and `{sender}` are replaced when a message is sent. Each value is
//! encoded for where it lands: percent-encoded in the URL and in a form body, JSON-escaped in a JSON body
//! (told by the `Content-Type` header), as it is in any other body; header values never take placeholders
//! (they hold credentials, stored sealed). Numbers are normalised to E.164 (`e164`) before anything is
//! queued. A gateway's 5xx or a timeout is retried with the outbox's back-off, a 4xx fails at once with
//! the gateway's reply.

use serde::{Deserialize, Serialize};

/// Longest URL, body or header value of a template, and most headers.
pub const MAX_TEMPLATE: usize = 4000;
pub const MAX_HEADERS: usize = 10;

/// `GET` or `POST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    #[default]
    Post,
}

/// One header of the gateway's request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// An organisation's SMS gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gateway {
    pub url: String,
    pub method: Method,
    pub headers: Vec<Header>,
    /// The request body (empty for `GET`).
    pub body: String,
    /// The sender shown on the phone: up to 11 letters and digits, or a number.
    pub sender: String,
}

/// A message's request, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    pub method: Method,
    pub headers: Vec<Header>,
    pub body: String,
}

impl Gateway {
    /// Checks the template as given; each problem names its field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |f: &str, m: &str| Err((f.to_string(), m.to_string()));
        let url = self.url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > MAX_TEMPLATE {
            return err("url", "must be an http(s) address");
        }
        if self.body.len() > MAX_TEMPLATE {
            return err("body", &format!("must be at most {MAX_TEMPLATE} characters"));
        }
        if self.method == Method::Get && !self.body.trim().is_empty() {
            return err("body", "must be empty for a GET request");
        }
        let field = if self.method == Method::Get { "url" } else { "body" };
        for placeholder in ["{to}", "{text}"] {
            if !self.url.contains(placeholder) && !self.body.contains(placeholder) {
                return err(field, &format!("must contain {placeholder} (in the URL or the body)"));
            }
        }
        if self.headers.len() > MAX_HEADERS {
            return err("headers", &format!("at most {MAX_HEADERS} headers"));
        }
        for (i, h) in self.headers.iter().enumerate() {
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if h.name.is_empty() || h.name.len() > 100 || !h.name.chars().all(token) {
                return Err((format!("headers[{i}].name"), "must be a header name such as Authorization".into()));
            }
            if h.value.len() > MAX_TEMPLATE || h.value.chars().any(char::is_control) {
                return Err((format!("headers[{i}].value"), "must be one line of text".into()));
            }
        }
        let s = self.sender.trim();
        let alpha = !s.is_empty() && s.len() <= 11 && s.chars().all(|c| c.is_ascii_alphanumeric());
        let number = s.strip_prefix('+').unwrap_or(s);
        let number = !number.is_empty() && number.len() <= 15 && number.chars().all(|c| c.is_ascii_digit());
        if !alpha && !number {
            return err("sender", "must be up to 11 letters and digits, or a phone number");
        }
        Ok(())
    }

    /// The request that sends `text` to `to` (an E.164 number).
    pub fn render(&self, to: &str, text: &str) -> Request {
        let json = self.content_type_has("json");
        let form = self.content_type_has("x-www-form-urlencoded");
        let fill = |template: &str, encode: &dyn Fn(&str) -> String| {
            template
                .replace("{to}", &encode(to))
                .replace("{text}", &encode(text))
                .replace("{sender}", &encode(&self.sender))
        };
        let body = if json {
            fill(&self.body, &|v| {
                let quoted = serde_json::to_string(v).unwrap_or_default();
                quoted[1..quoted.len() - 1].to_string()
            })
        } else if form {
            fill(&self.body, &percent)
        } else {
            fill(&self.body, &|v| v.to_string())
        };
        Request { url: fill(self.url.trim(), &percent), method: self.method, headers: self.headers.clone(), body }
    }

    fn content_type_has(&self, what: &str) -> bool {
        self.headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-type") && h.value.to_ascii_lowercase().contains(what))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 3);
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A phone number in E.164 (`+358401234567`), read as a Finnish number when it has no country code;
/// `None` when it is not a valid number.
pub fn e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 50 {
        return None;
    }
    let number = phonenumber::parse(Some(phonenumber::country::Id::FI), raw).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An invitation's text message: short, so that it fits one or two messages with the link.
pub fn text(locale: crate::Locale, organisation: &str, link: &str) -> String {
    use crate::Locale;
    let ask = match locale {
        Locale::Fi => "kysyy: miten onnistuimme? Vastaa hetkessä",
        Locale::Sv => "frågar: hur lyckades vi? Svara på ett ögonblick",
        Locale::En => "asks: how did we do? Answer in a moment",
    };
    let name: String = organisation.chars().take(40).collect();
    format!("{name} {ask}: {link}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(url: &str, body: &str, content_type: &str) -> Gateway {
        Gateway {
            url: url.into(),
            method: Method::Post,
            headers: vec![
                Header { name: "Content-Type".into(), value: content_type.into() },
                Header { name: "Authorization".into(), value: "Bearer k".into() },
            ],
            body: body.into(),
            sender: "Kahvila".into(),
        }
    }

    #[test]
    fn each_value_is_encoded_for_where_it_lands() {
        let text = "Kiitos \"Ä\" & tervetuloa: https://x/s/a?i=T";
        let json = gateway(
            "https://gw.example/send?from={sender}",
            r#"{"to":"{to}","message":"{text}","from":"{sender}"}"#,
            "application/json",
        );
        let r = json.render("+358401234567", text);
        let parsed: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(parsed["message"], text);
        assert_eq!(parsed["to"], "+358401234567");
        assert_eq!(r.url, "https://gw.example/send?from=Kahvila");
        let form = gateway("https://gw.example/send", "to={to}&msg={text}", "application/x-www-form-urlencoded");
        let r = form.render("+358401234567", "a b&c=ä");
        assert_eq!(r.body, "to=%2B358401234567&msg=a%20b%26c%3D%C3%A4");
        let get =
            Gateway { method: Method::Get, body: String::new(), ..gateway("https://gw/?to={to}&t={text}", "", "") };
        assert_eq!(get.render("+46701234567", "hej då").url, "https://gw/?to=%2B46701234567&t=hej%20d%C3%A5");
        assert_eq!(r.headers[1].value, "Bearer k");
    }

    #[test]
    fn a_template_without_to_or_text_or_with_a_bad_part_names_the_field() {
        let ok = gateway("https://gw/send", r#"{"to":"{to}","text":"{text}"}"#, "application/json");
        assert!(ok.validate().is_ok());
        let no_to = gateway("https://gw/send", r#"{"text":"{text}"}"#, "application/json");
        assert_eq!(no_to.validate().unwrap_err().0, "body");
        let get = Gateway { method: Method::Get, body: String::new(), ..gateway("https://gw/?t={text}", "", "") };
        assert_eq!(get.validate().unwrap_err().0, "url");
        assert_eq!(gateway("ftp://gw", "{to}{text}", "").validate().unwrap_err().0, "url");
        let mut bad_header = ok.clone();
        bad_header.headers[1].name = "Bad Header".into();
        assert_eq!(bad_header.validate().unwrap_err().0, "headers[1].name");
        bad_header.headers[1] = Header { name: "X".into(), value: "a\r\nInjected: 1".into() };
        assert_eq!(bad_header.validate().unwrap_err().0, "headers[1].value");
        let sender = Gateway { sender: "Far too long a name".into(), ..ok.clone() };
        assert_eq!(sender.validate().unwrap_err().0, "sender");
        assert!(Gateway { sender: "+358401234567".into(), ..ok }.validate().is_ok());
    }

    #[test]
    fn numbers_become_e164_and_invalid_ones_are_refused() {
        assert_eq!(e164("040 123 4567").as_deref(), Some("+358401234567"));
        assert_eq!(e164("+358 40 1234567").as_deref(), Some("+358401234567"));
        assert_eq!(e164("+46 70 123 45 67").as_deref(), Some("+46701234567"));
        assert_eq!(e164("123"), None);
        assert_eq!(e164("not a number"), None);
        assert_eq!(e164(""), None);
    }

    #[test]
    fn the_text_carries_the_link_in_the_customers_language() {
        let t = text(crate::Locale::Sv, "Kahvila Aroma", "https://p/s/a?i=T");
        assert!(t.starts_with("Kahvila Aroma frågar") && t.ends_with("https://p/s/a?i=T"), "{t}");
    }
}

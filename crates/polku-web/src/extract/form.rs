//! The deserialiser behind [`CsrfForm`](super::CsrfForm): urlencoded form fields into a typed struct, with
//! errors that name the offending field, so that handlers read forms the way the API reads JSON bodies.
//!
//! A form is not JSON, so the rules are the browser's:
//!
//! - A name sent several times (checkboxes, multi-selects) fills a `Vec<T>` field with every value in the
//!   order sent; a plain field reads the first value, as [`FormPairs::get`](super::FormPairs::get) does.
//! - An `Option<T>` field is `None` when the field is missing **or empty**: a browser sends an empty text
//!   box as `name=`, which means "not given", not "an empty id" or "a number that does not parse".
//! - Numbers are parsed from the text (surrounding spaces ignored); a `bool` is a checkbox: `on`, `true` or
//!   `1` are true, `off`, `false`, `0` or empty are false (a missing checkbox needs `#[serde(default)]`).
//! - Unknown names, such as `_csrf`, are ignored; `()` reads nothing (a form that is only a button).

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Why a form did not deserialise: the field (its path, e.g. `amount`) and what is wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

/// Deserialises form fields, given as the (name, value) pairs that were sent, into `T`.
pub(super) fn from_pairs<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, FieldError> {
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in pairs {
        match fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => fields.push((name, vec![value])),
        }
    }
    serde_path_to_error::deserialize(Fields(fields)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // A missing field is reported by the struct that lacks it, so the path stops one step short.
        let field = match (inner.missing, path.as_str()) {
            (Some(f), ".") => f.to_string(),
            (Some(f), p) => format!("{p}.{f}"),
            (None, p) => p.to_string(),
        };
        FieldError { field, message: inner.message }
    })
}

/// The error of this deserialiser; `missing` names a required field that was not sent.
#[derive(Debug)]
pub(super) struct Error {
    message: String,
    missing: Option<&'static str>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Error { message: msg.to_string(), missing: None }
    }

    fn missing_field(field: &'static str) -> Self {
        Error { message: "is required".into(), missing: Some(field) }
    }
}

/// All fields of a form, by name in the order each name was first sent.
struct Fields(Vec<(String, Vec<String>)>);

impl<'de> de::Deserializer<'de> for Fields {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(FieldsAccess { fields: self.0.into_iter(), value: None })
    }

    /// `()` is the form of a button: nothing is read but the CSRF token, which was checked before.
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct FieldsAccess {
    fields: std::vec::IntoIter<(String, Vec<String>)>,
    value: Option<Vec<String>>,
}

impl<'de> MapAccess<'de> for FieldsAccess {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.fields.next() {
            Some((name, values)) => {
                self.value = Some(values);
                seed.deserialize(name.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let values = self.value.take().ok_or_else(|| de::Error::custom("a value without a name"))?;
        seed.deserialize(Values(values))
    }
}

/// Every value sent under one name (at least one).
struct Values(Vec<String>);

impl Values {
    fn first(self) -> String {
        self.0.into_iter().next().unwrap_or_default()
    }

    fn number<'de, N: std::str::FromStr, V: Visitor<'de>>(
        self,
        what: &str,
        visit: impl FnOnce(V, N) -> Result<V::Value, Error>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let text = self.first();
        match text.trim().parse::<N>() {
            Ok(n) => visit(visitor, n),
            Err(_) => Err(de::Error::custom(format!("must be {what}, not {text:?}"))),
        }
    }
}

macro_rules! numbers {
    ($($method:ident => $ty:ty, $visit:ident, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.number::<$ty, V>($what, |v, n| v.$visit(n), visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Values {
    type Error = Error;

    /// Without a type to go by (e.g. under `#[serde(flatten)]`), one value is a string and several a list.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.len() == 1 { visitor.visit_string(self.first()) } else { self.deserialize_seq(visitor) }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let text = self.first();
        match text.as_str() {
            "on" | "true" | "1" => visitor.visit_bool(true),
            "off" | "false" | "0" | "" => visitor.visit_bool(false),
            _ => Err(de::Error::custom(format!("must be on or off, not {text:?}"))),
        }
    }

    numbers! {
        deserialize_i8 => i8, visit_i8, "a whole number";
        deserialize_i16 => i16, visit_i16, "a whole number";
        deserialize_i32 => i32, visit_i32, "a whole number";
        deserialize_i64 => i64, visit_i64, "a whole number";
        deserialize_i128 => i128, visit_i128, "a whole number";
        deserialize_u8 => u8, visit_u8, "a whole number";
        deserialize_u16 => u16, visit_u16, "a whole number";
        deserialize_u32 => u32, visit_u32, "a whole number";
        deserialize_u64 => u64, visit_u64, "a whole number";
        deserialize_u128 => u128, visit_u128, "a whole number";
        deserialize_f32 => f32, visit_f32, "a number";
        deserialize_f64 => f64, visit_f64, "a number";
        deserialize_char => char, visit_char, "one character";
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.first())
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.first())
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_byte_buf(self.first().into_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_byte_buf(self.first().into_bytes())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.first().is_none_or(String::is_empty) { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(ValuesAccess(self.0.into_iter()))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("a form field cannot hold a nested structure"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// Only unit variants, named by the value (`status=open`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.first().into_deserializer())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.first())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// The values of a repeated name, each deserialised on its own.
struct ValuesAccess(std::vec::IntoIter<String>);

impl<'de> SeqAccess<'de> for ValuesAccess {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(Values(vec![v]))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Called,
        Emailed,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        name: String,
        count: u32,
        #[serde(default)]
        theme: Vec<String>,
        note: Option<String>,
        owner: Option<polku_domain::UserId>,
        #[serde(default)]
        urgent: bool,
        kind: Option<Kind>,
    }

    #[test]
    fn fields_fill_a_struct_and_the_csrf_token_is_ignored() {
        let s: Sample = from_pairs(pairs(&[
            ("_csrf", "pc_secret"),
            ("theme", "invoicing"),
            ("name", "Olli"),
            ("count", " 7 "),
            ("theme", "delivery"),
            ("note", ""),
            ("owner", ""),
            ("urgent", "on"),
            ("kind", "emailed"),
        ]))
        .unwrap();
        let want = Sample {
            name: "Olli".into(),
            count: 7,
            theme: vec!["invoicing".into(), "delivery".into()],
            note: None,
            owner: None,
            urgent: true,
            kind: Some(Kind::Emailed),
        };
        assert_eq!(s, want);
    }

    #[test]
    fn a_single_value_of_a_list_is_a_list_and_a_repeated_plain_field_reads_the_first() {
        let s: Sample = from_pairs(pairs(&[("name", "a"), ("name", "b"), ("count", "1"), ("theme", "only")])).unwrap();
        assert_eq!((s.name.as_str(), s.theme), ("a", vec!["only".to_string()]));
        assert_eq!((s.urgent, s.note, s.kind), (false, None, None));
    }

    #[test]
    fn errors_name_the_field() {
        let err = |p: &[(&str, &str)]| from_pairs::<Sample>(pairs(p)).unwrap_err();
        assert_eq!(err(&[("name", "x")]), FieldError { field: "count".into(), message: "is required".into() });
        let bad = err(&[("name", "x"), ("count", "seven")]);
        assert_eq!((bad.field.as_str(), bad.message.as_str()), ("count", "must be a whole number, not \"seven\""));
        assert_eq!(err(&[("name", "x"), ("count", "-1")]).field, "count");
        assert_eq!(err(&[("name", "x"), ("count", "1"), ("owner", "nobody")]).field, "owner");
        assert_eq!(err(&[("name", "x"), ("count", "1"), ("urgent", "maybe")]).field, "urgent");
        assert_eq!(err(&[("name", "x"), ("count", "1"), ("kind", "sang")]).field, "kind");
    }
}

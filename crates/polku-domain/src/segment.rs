//! Segments: who a survey invitation goes to when it names a group instead of a list (issue 15).
//!
//! Every condition given must hold: the customer's language, each attribute (exact value), the last order
//! within a date range, the NPS group of their latest NPS answer, and being one of the loyal customers of
//! the money page (repeat buyers who are promoters: `retention::is_loyal`). An empty segment is every
//! customer; the contact rules and consent decide afterwards who may actually be asked.

use crate::retention::{History, NpsGroup};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::Date;

/// A segment as given in the API (`"segment": {…}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// `fi`, `sv` or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// Attributes that must have these values.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The last order on or after this day (`YYYY-MM-DD`).
    #[serde(default)]
    pub last_order_after: Option<String>,
    /// The last order on or before this day.
    #[serde(default)]
    pub last_order_before: Option<String>,
    /// `promoter`, `passive`, `detractor` or `none` (no NPS answer yet).
    #[serde(default)]
    pub nps_group: Option<String>,
    /// Only the loyal customers (true).
    #[serde(default)]
    pub loyal: bool,
}

/// A segment checked, ready to match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub language: Option<crate::Locale>,
    pub attributes: BTreeMap<String, String>,
    pub after: Option<Date>,
    pub before: Option<Date>,
    pub group: Option<NpsGroup>,
    pub loyal: bool,
}

/// A customer as a segment sees them.
pub struct Member<'a> {
    pub language: Option<&'a str>,
    pub attributes: &'a BTreeMap<String, String>,
    /// The day of their last order in the organisation's time zone.
    pub last_order: Option<Date>,
    pub history: Option<&'a History>,
}

impl Segment {
    /// Checks the segment; each problem names its field (under `segment.`).
    pub fn check(&self) -> Result<Filter, (String, String)> {
        let err = |f: &str, m: &str| Err((format!("segment.{f}"), m.to_string()));
        let language = match self.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(l) => match crate::Locale::parse(l) {
                Some(l) => Some(l),
                None => return err("language", "must be fi, sv or en"),
            },
        };
        let day = |f: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => crate::calendar::parse_day(v)
                .map(Some)
                .ok_or((format!("segment.{f}"), "must be a date YYYY-MM-DD".to_string())),
        };
        let after = day("last_order_after", &self.last_order_after)?;
        let before = day("last_order_before", &self.last_order_before)?;
        if let (Some(a), Some(b)) = (after, before)
            && a > b
        {
            return err("last_order_before", "must not be before last_order_after");
        }
        let group = match self.nps_group.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("promoter") => Some(NpsGroup::Promoter),
            Some("passive") => Some(NpsGroup::Passive),
            Some("detractor") => Some(NpsGroup::Detractor),
            Some("none") => Some(NpsGroup::Unknown),
            Some(_) => return err("nps_group", "must be promoter, passive, detractor or none"),
        };
        if self.attributes.len() > 20 {
            return err("attributes", "at most 20 attributes");
        }
        Ok(Filter { language, attributes: self.attributes.clone(), after, before, group, loyal: self.loyal })
    }
}

impl Filter {
    /// Whether the segment needs the customers' histories (NPS group, loyalty).
    pub fn needs_history(&self) -> bool {
        self.group.is_some() || self.loyal
    }

    pub fn matches(&self, m: &Member<'_>) -> bool {
        if let Some(l) = self.language
            && m.language.and_then(crate::Locale::parse) != Some(l)
        {
            return false;
        }
        if self.attributes.iter().any(|(k, v)| m.attributes.get(k) != Some(v)) {
            return false;
        }
        if self.after.is_some_and(|a| m.last_order.is_none_or(|d| d < a))
            || self.before.is_some_and(|b| m.last_order.is_none_or(|d| d > b))
        {
            return false;
        }
        if let Some(g) = self.group
            && m.history.map_or(NpsGroup::Unknown, History::group) != g
        {
            return false;
        }
        !self.loyal || m.history.is_some_and(crate::retention::is_loyal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn member<'a>(attrs: &'a BTreeMap<String, String>, history: Option<&'a History>) -> Member<'a> {
        Member { language: Some("sv-FI"), attributes: attrs, last_order: Some(date!(2026 - 10 - 15)), history }
    }

    #[test]
    fn every_condition_must_hold() {
        let attrs: BTreeMap<String, String> = [("tier".to_string(), "gold".to_string())].into();
        let promoter = History { nps: Some(10), orders: 3, ..History::default() };
        let m = member(&attrs, Some(&promoter));
        let seg = |s: serde_json::Value| serde_json::from_value::<Segment>(s).unwrap().check().unwrap();
        assert!(seg(serde_json::json!({})).matches(&m), "an empty segment is everyone");
        assert!(seg(serde_json::json!({"language": "sv", "attributes": {"tier": "gold"}, "loyal": true})).matches(&m));
        assert!(!seg(serde_json::json!({"language": "fi"})).matches(&m));
        assert!(!seg(serde_json::json!({"attributes": {"tier": "silver"}})).matches(&m));
        assert!(
            seg(serde_json::json!({"last_order_after": "2026-10-15", "last_order_before": "2026-10-15"})).matches(&m)
        );
        assert!(!seg(serde_json::json!({"last_order_after": "2026-10-16"})).matches(&m));
        assert!(seg(serde_json::json!({"nps_group": "promoter"})).matches(&m));
        assert!(!seg(serde_json::json!({"nps_group": "detractor"})).matches(&m));
        let unknown = member(&attrs, None);
        assert!(seg(serde_json::json!({"nps_group": "none"})).matches(&unknown));
        assert!(!seg(serde_json::json!({"loyal": true})).matches(&unknown));
        let once = History { nps: Some(10), orders: 1, ..History::default() };
        assert!(
            !seg(serde_json::json!({"loyal": true})).matches(&member(&attrs, Some(&once))),
            "one order is not loyal"
        );
    }

    #[test]
    fn bad_segments_name_their_field() {
        let bad = |s: serde_json::Value| serde_json::from_value::<Segment>(s).unwrap().check().unwrap_err().0;
        assert_eq!(bad(serde_json::json!({"language": "de"})), "segment.language");
        assert_eq!(bad(serde_json::json!({"last_order_after": "2026-13-01"})), "segment.last_order_after");
        assert_eq!(
            bad(serde_json::json!({"last_order_after": "2026-10-02", "last_order_before": "2026-10-01"})),
            "segment.last_order_before"
        );
        assert_eq!(bad(serde_json::json!({"nps_group": "fans"})), "segment.nps_group");
    }
}

//! The team's own marks on feedback in the inbox: tags and notes. What a valid one is, nothing more.

/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// A tag as stored: trimmed, lower-case, inner spaces collapsed to one, so "Lasku  virhe" and "lasku virhe"
/// are one tag. Letters, digits, spaces, `-` and `_` only.
pub fn parse_tag(s: &str) -> Result<String, &'static str> {
    let tag = s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if tag.is_empty() {
        return Err("must not be empty");
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err("must be at most 40 characters");
    }
    if !tag.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_')) {
        return Err("may only hold letters, digits, spaces, - and _");
    }
    Ok(tag)
}

/// A note as stored: trimmed, not empty, line breaks and tabs kept, other control characters refused.
pub fn parse_note(s: &str) -> Result<String, &'static str> {
    let note = s.trim();
    if note.is_empty() {
        return Err("must not be empty");
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err("must be at most 4000 characters");
    }
    if note.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("must not hold control characters");
    }
    Ok(note.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_and_checked() {
        assert_eq!(parse_tag("  Lasku   Virhe "), Ok("lasku virhe".into()));
        assert_eq!(parse_tag("soita_takaisin-2"), Ok("soita_takaisin-2".into()));
        assert_eq!(parse_tag("Ääni"), Ok("ääni".into()));
        for bad in ["", "   ", "<b>", "a,b", "drop;table", &"x".repeat(41)] {
            assert!(parse_tag(bad).is_err(), "{bad}");
        }
        assert!(parse_tag(&"ä".repeat(40)).is_ok());
    }

    #[test]
    fn notes_keep_lines_and_refuse_control_characters() {
        assert_eq!(parse_note("  Soitin.\nAsiakas tyytyväinen. "), Ok("Soitin.\nAsiakas tyytyväinen.".into()));
        assert!(parse_note(" \n ").is_err());
        assert!(parse_note("a\u{0}b").is_err());
        assert!(parse_note(&"x".repeat(4001)).is_err());
        assert!(parse_note(&"x".repeat(4000)).is_ok());
    }
}

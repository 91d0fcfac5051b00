//! Splitting an answer into words, numbers, emoticons, emoji and punctuation, with byte offsets.
//!
//! The tokenizer is language-independent and allocation-free (it fills a caller's vector), because it runs on
//! every answer before the language is known. Offsets are byte offsets into the analysed text so that the UI
//! can highlight a word with plain string slicing. Emoticons are recognised from the symbol lexicon's list so
//! that `:)` is one token while `:` in `klo 14:30` or `OK:ta` is not turned into a face.

/// What a raw token is; punctuation is classified by what it does to sentence and clause structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawKind {
    Word,
    Number,
    Emoticon,
    Emoji,
    /// `.`, `!`, `?`, `…` runs and line breaks; carries the number of `!` in the run.
    SentenceEnd {
        exclamations: u8,
        newline: bool,
    },
    /// `,`, `;`, `:`, brackets and dashes: they separate clauses, which carry aspects.
    ClauseBreak,
    /// Quotes, currency signs, `<`, `>` and any other symbol: kept for offsets, otherwise ignored.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawToken {
    pub start: usize,
    pub end: usize,
    pub kind: RawKind,
}

/// Characters that may join two word characters into one word: apostrophes (`didn't`, `don’t`) and hyphens
/// (`e-mail`, `wi-fi`).
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '‐')
}

/// Letters, digits and combining marks (a decomposed `ä` is `a` + U+0308).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Pictographic characters that start an emoji. Ranges rather than a Unicode property table: the crate stays
/// dependency-free here, and the few misses (rare symbols) only lose an emoji's sentiment.
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2190..=0x21FF)
}

/// Characters that continue an emoji sequence: zero-width joiner, variation selectors, skin tones (inside the
/// pictograph range), the keycap mark and tag characters (subdivision flags).
fn is_emoji_continuation(c: char) -> bool {
    matches!(c as u32, 0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F)
}

/// Invisible characters that are dropped without a token.
fn is_invisible(c: char) -> bool {
    c.is_control() || matches!(c as u32, 0x200B..=0x200F | 0x2060 | 0xFEFF | 0xFE00..=0xFE0F)
}

/// Tokenizes `text` into `out` (cleared first). `emoticons` must be sorted longest first so that `:-))` wins
/// over `:-)`.
pub(crate) fn tokenize(text: &str, emoticons: &[String], out: &mut Vec<RawToken>) {
    out.clear();
    let mut i = 0;
    // Whether the previous character ends a word, so that `x` in `xD` only starts an emoticon at a boundary.
    let mut after_word = false;
    while let Some(c) = text[i..].chars().next() {
        let len = c.len_utf8();
        if c == '\n' || c == '\r' {
            push_sentence_end(out, i, i + len, 0, true);
            i += len;
            after_word = false;
            continue;
        }
        if c.is_whitespace() || is_invisible(c) {
            i += len;
            after_word = false;
            continue;
        }
        if !after_word && let Some(e) = emoticon_at(text, i, emoticons) {
            out.push(RawToken { start: i, end: i + e, kind: RawKind::Emoticon });
            i += e;
            continue;
        }
        if is_word_char(c) {
            let end = scan_word(text, i);
            let kind = if is_number(&text[i..end]) { RawKind::Number } else { RawKind::Word };
            out.push(RawToken { start: i, end, kind });
            i = end;
            after_word = true;
            continue;
        }
        after_word = false;
        if is_emoji(c) {
            let end = scan_emoji(text, i + len);
            out.push(RawToken { start: i, end, kind: RawKind::Emoji });
            i = end;
            continue;
        }
        match c {
            '.' | '!' | '?' | '…' | '。' | '¡' | '¿' => {
                let mut end = i;
                let mut exclamations = 0u8;
                for ch in text[i..].chars().take_while(|ch| matches!(ch, '.' | '!' | '?' | '…' | '。' | '¡' | '¿'))
                {
                    if ch == '!' || ch == '¡' {
                        exclamations = exclamations.saturating_add(1);
                    }
                    end += ch.len_utf8();
                }
                push_sentence_end(out, i, end, exclamations, false);
                i = end;
            }
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '–' | '—' | '-' | '‐' | '/' | '|' | '•' => {
                out.push(RawToken { start: i, end: i + len, kind: RawKind::ClauseBreak });
                i += len;
            }
            _ => {
                out.push(RawToken { start: i, end: i + len, kind: RawKind::Other });
                i += len;
            }
        }
    }
}

/// Merges runs of sentence ends ("Great!\n\nThanks") so that empty sentences do not pile up.
fn push_sentence_end(out: &mut Vec<RawToken>, start: usize, end: usize, exclamations: u8, newline: bool) {
    if newline
        && let Some(last) = out.last_mut()
        && let RawKind::SentenceEnd { newline: n, .. } = &mut last.kind
    {
        *n = true;
        return;
    }
    out.push(RawToken { start, end, kind: RawKind::SentenceEnd { exclamations, newline } });
}

/// The length of a known emoticon starting at `i` and not followed by a word character, if any.
fn emoticon_at(text: &str, i: usize, emoticons: &[String]) -> Option<usize> {
    let rest = &text[i..];
    let first = rest.as_bytes()[0];
    // Every emoticon starts with ASCII punctuation or a letter like x/X/8; skip the search for other starts.
    if !first.is_ascii() || first.is_ascii_whitespace() {
        return None;
    }
    emoticons.iter().find_map(|e| {
        let tail = rest.strip_prefix(e.as_str())?;
        let next_is_word = tail.chars().next().is_some_and(is_word_char);
        (!next_is_word).then_some(e.len())
    })
}

/// The end of a word starting at `start`: word characters, joined by apostrophes or hyphens, and decimal or
/// score separators between digits (`9,5`, `10/10`, `14.30`).
fn scan_word(text: &str, start: usize) -> usize {
    let mut end = start;
    let mut chars = text[start..].char_indices().peekable();
    let mut prev = '\0';
    while let Some((off, c)) = chars.next() {
        if is_word_char(c) {
            end = start + off + c.len_utf8();
            prev = c;
            continue;
        }
        let next = chars.peek().map(|&(_, n)| n);
        let joins_word = is_joiner(c) && is_word_char(prev) && next.is_some_and(is_word_char);
        let joins_number =
            matches!(c, '.' | ',' | '/' | ':') && prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit());
        if joins_word || joins_number {
            prev = c;
            continue;
        }
        break;
    }
    end
}

fn is_number(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'/' | b':'))
}

fn scan_emoji(text: &str, mut end: usize) -> usize {
    let mut after_joiner = false;
    while let Some(c) = text[end..].chars().next() {
        if is_emoji_continuation(c) || (after_joiner && is_emoji(c)) {
            after_joiner = c == '\u{200D}';
            end += c.len_utf8();
        } else if (0x1F3FB..=0x1F3FF).contains(&(c as u32)) {
            // A skin-tone modifier belongs to the emoji before it.
            end += c.len_utf8();
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&str, RawKind)> {
        let emoticons: Vec<String> = [":-)", ":)", ":(", ":D", "<3", "xD"].iter().map(ToString::to_string).collect();
        let mut out = Vec::new();
        tokenize(text, &emoticons, &mut out);
        out.iter().map(|t| (&text[t.start..t.end], t.kind)).collect()
    }

    #[test]
    fn splits_words_numbers_and_punctuation_with_offsets() {
        let toks = kinds("Maalari ei tullut klo 14:30, didn't call! 10/10 e-mail");
        let words: Vec<&str> = toks.iter().map(|t| t.0).collect();
        assert_eq!(words, ["Maalari", "ei", "tullut", "klo", "14:30", ",", "didn't", "call", "!", "10/10", "e-mail"]);
        assert_eq!(toks[4].1, RawKind::Number);
        assert_eq!(toks[5].1, RawKind::ClauseBreak);
        assert_eq!(toks[8].1, RawKind::SentenceEnd { exclamations: 1, newline: false });
    }

    #[test]
    fn recognises_emoticons_only_at_boundaries() {
        let toks = kinds("Hyvä :) mutta OK:ta xDD xD <3 <b>");
        let emoticons: Vec<&str> = toks.iter().filter(|t| t.1 == RawKind::Emoticon).map(|t| t.0).collect();
        assert_eq!(emoticons, [":)", "xD", "<3"]);
    }

    #[test]
    fn keeps_emoji_sequences_together() {
        let toks = kinds("👍🏽 ❤️ 👩‍🎨!!!");
        assert_eq!(toks[0], ("👍🏽", RawKind::Emoji));
        assert_eq!(toks[1], ("❤️", RawKind::Emoji));
        assert_eq!(toks[2], ("👩‍🎨", RawKind::Emoji));
        assert_eq!(toks[3].1, RawKind::SentenceEnd { exclamations: 3, newline: false });
    }

    #[test]
    fn line_breaks_end_sentences_once() {
        let toks = kinds("Hyvä.\n\nHuono");
        assert_eq!(toks.len(), 3);
        assert_eq!(toks[1].1, RawKind::SentenceEnd { exclamations: 0, newline: true });
    }
}

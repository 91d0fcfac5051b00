//! Common inflected forms of a dictionary entry written in its base form, so that entries match text.
//!
//! A stemmer maps different forms of one word to different stems (Snowball: "toimitus" → "toimitus",
//! "toimituksen" → "toimituks", "toimitusta" → "toimitu"), so stemming a lexicon entry once is not enough.
//! At analyzer construction every entry is expanded here into its frequent forms, and each form is keyed
//! both as written and by its base form from the active lemmatizer. Over-generation is harmless (a form
//! nobody writes is never looked up); a dictionary lemmatizer maps all forms to one lemma anyway.
//!
//! The Finnish rules cover the nominal types that customer feedback uses most (-nen, -us, -as, -is, -in,
//! -ton, -e and vowel stems with the regular consonant gradation) and the adverb and comparative; verbs
//! are listed in the lexicons in the forms people write. Swedish and English get their regular endings.

use crate::locale::Locale;

/// The forms of `word` (lower-case, one word), the word itself first. Empty input gives nothing.
pub(crate) fn variants(word: &str, lang: Locale) -> Vec<String> {
    if word.is_empty() {
        return Vec::new();
    }
    let mut out = vec![word.to_string()];
    // Only expand words; numbers, abbreviations with digits and very short words stay as written.
    if word.chars().count() >= 3 && word.chars().all(char::is_alphabetic) {
        match lang {
            Locale::Fi => finnish(word, &mut out),
            Locale::Sv => swedish(word, &mut out),
            Locale::En => english(word, &mut out),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|w| seen.insert(w.clone()));
    out
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'ä' | 'ö' | 'å')
}

/// Finnish vowel harmony: endings take a/o/u after back-vowel stems, ä/ö/y otherwise.
fn back(word: &str) -> bool {
    word.chars().any(|c| matches!(c, 'a' | 'o' | 'u'))
}

/// `a` or `ä` for the word's harmony.
fn h(word: &str, s: &str) -> String {
    if back(word) { s.to_string() } else { s.replace('a', "ä").replace('o', "ö").replace('u', "y") }
}

/// Case endings attached to a vowel stem in the weak grade (closed syllable).
const FI_WEAK: [&str; 11] = ["n", "ssa", "sta", "lla", "lta", "lle", "ksi", "t", "kin", "lla", "nsa"];
/// Endings attached to the strong grade (open syllable).
const FI_STRONG: [&str; 3] = ["a", "na", "mpi"];
/// Plural endings after the plural stem (…i-).
const FI_PLURAL: [&str; 8] = ["a", "ssa", "sta", "lla", "lta", "lle", "in", "en"];

fn push_cases(out: &mut Vec<String>, word: &str, stem: &str, endings: &[&str]) {
    for e in endings {
        out.push(format!("{stem}{}", h(word, e)));
    }
}

/// Strong → weak grade of the consonant(s) before the final vowel: "hinta" → "hinna", "laatu" → "laadu",
/// "aika" → "aja".
fn weak_grade(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    if n < 3 || !is_vowel(chars[n - 1]) || is_vowel(chars[n - 2]) {
        return None;
    }
    let (a, b, last) = (chars[n - 3], chars[n - 2], chars[n - 1]);
    let head: String = chars[..n - 3].iter().collect();
    let middle = match (a, b) {
        ('k', 'k') => "k".to_string(),
        ('p', 'p') => "p".to_string(),
        ('t', 't') => "t".to_string(),
        ('n', 'k') => "ng".to_string(),
        ('m', 'p') => "mm".to_string(),
        ('n', 't') => "nn".to_string(),
        ('l', 't') => "ll".to_string(),
        ('r', 't') => "rr".to_string(),
        ('h', 't') => "hd".to_string(),
        // The -ika- of "aika" and "poika" weakens to -ja-.
        ('i', 'k') if head.ends_with(is_vowel) => "j".to_string(),
        (v, 't') if is_vowel(v) => format!("{v}d"),
        (v, 'p') if is_vowel(v) => format!("{v}v"),
        (v, 'k') if is_vowel(v) => v.to_string(),
        _ => return None,
    };
    Some(format!("{head}{middle}{last}"))
}

/// The plural stem of a vowel-final word: "hyvä" → "hyvi", "huono" → "huonoi", "siisti" → "siistei".
fn plural_stems(word: &str) -> Vec<String> {
    let mut chars: Vec<char> = word.chars().collect();
    let last = chars.pop().unwrap_or('a');
    let body: String = chars.iter().collect();
    match last {
        'a' | 'ä' => vec![format!("{body}i"), format!("{body}oi")],
        'e' => vec![format!("{body}ei")],
        'i' => vec![format!("{body}ei"), format!("{body}i")],
        _ => vec![format!("{word}i")],
    }
}

fn finnish(word: &str, out: &mut Vec<String>) {
    let a = h(word, "a");
    if let Some(stem) = word.strip_suffix("nen") {
        // ystävällinen: ystävällisen, ystävällistä, ystävälliset, ystävällisiä, ystävällisesti
        let se = format!("{stem}se");
        push_cases(out, word, &se, &FI_WEAK);
        out.push(format!("{stem}st{a}"));
        out.push(format!("{stem}sesti"));
        out.push(format!("{stem}semmin"));
        out.push(format!("{stem}sempi"));
        out.push(format!("{se}n{a}"));
        push_cases(out, word, &format!("{stem}si"), &FI_PLURAL);
        out.push(format!("{stem}sten"));
        return;
    }
    if let Some(stem) = word.strip_suffix("us").or_else(|| word.strip_suffix("ys"))
        && word.chars().count() > 4
    {
        // toimitus: toimituksen, toimitusta, toimitukset, toimituksia, toimitukseen
        let u = word.chars().rev().nth(1).unwrap_or('u');
        let kse = format!("{stem}{u}kse");
        push_cases(out, word, &kse, &FI_WEAK);
        out.push(format!("{kse}en"));
        out.push(format!("{stem}{u}st{a}"));
        push_cases(out, word, &format!("{stem}{u}ksi"), &FI_PLURAL);
        out.push(format!("{stem}{u}ksiin"));
        return;
    }
    if let Some(stem) = word.strip_suffix("ton").or_else(|| word.strip_suffix("tön")) {
        // tyytymätön: tyytymättömän, tyytymätöntä, tyytymättömiä
        let o = h(word, "o");
        let full = format!("{stem}tt{o}m{a}");
        push_cases(out, word, &full, &FI_WEAK);
        out.push(format!("{word}t{a}"));
        out.push(format!("{stem}tt{o}mi{a}"));
        push_cases(out, word, &format!("{stem}tt{o}mi"), &FI_PLURAL);
        out.push(format!("{stem}tt{o}m{a}sti"));
        return;
    }
    if let Some(stem) = word.strip_suffix("as").or_else(|| word.strip_suffix("äs")) {
        // asiakas: asiakkaan, asiakasta, asiakkaat; hidas: hitaan; raskas: raskaan
        let mut chars: Vec<char> = stem.chars().collect();
        if let Some(&c) = chars.last() {
            let before_vowel = chars.len() >= 2 && is_vowel(chars[chars.len() - 2]);
            match c {
                'k' | 'p' | 't' if before_vowel => chars.push(c),
                'd' => *chars.last_mut().unwrap_or(&mut 'd') = 't',
                _ => {}
            }
        }
        let strong: String = chars.iter().collect();
        let aa = format!("{strong}{a}{a}");
        push_cases(out, word, &aa, &FI_WEAK);
        out.push(format!("{word}t{a}"));
        out.push(format!("{aa}seen"));
        out.push(format!("{strong}{a}sti"));
        push_cases(out, word, &format!("{strong}{a}i"), &FI_PLURAL);
        out.push(format!("{strong}{a}it{a}"));
        return;
    }
    if let Some(stem) = word.strip_suffix("is") {
        // kallis: kalliin, kallista, kalliit, kalliita, kalliisti
        let ii = format!("{stem}ii");
        push_cases(out, word, &ii, &FI_WEAK);
        out.push(format!("{word}t{a}"));
        out.push(format!("{ii}sti"));
        out.push(format!("{stem}iimpi"));
        out.push(format!("{stem}iit{a}"));
        push_cases(out, word, &format!("{stem}ii"), &FI_PLURAL);
        return;
    }
    if let Some(stem) = word.strip_suffix("in")
        && word.chars().count() > 4
    {
        // puhelin: puhelimen, puhelinta, puhelimet
        let me = format!("{stem}ime");
        push_cases(out, word, &me, &FI_WEAK);
        out.push(format!("{word}t{a}"));
        push_cases(out, word, &format!("{stem}imi"), &FI_PLURAL);
        return;
    }
    let last = word.chars().last().unwrap_or('a');
    if last == 'e' {
        // virhe: virheen, virhettä, virheet, virheitä
        let ee = format!("{word}e");
        push_cases(out, word, &ee, &FI_WEAK);
        out.push(format!("{word}tt{a}"));
        out.push(format!("{word}itt{a}"));
        out.push(format!("{word}it{a}"));
        push_cases(out, word, &format!("{word}i"), &FI_PLURAL);
        return;
    }
    if is_vowel(last) {
        let weak = weak_grade(word).unwrap_or_else(|| word.to_string());
        push_cases(out, word, &weak, &FI_WEAK);
        push_cases(out, word, word, &FI_STRONG);
        // Partitive of a two-vowel ending takes -ta ("nopeaa" is covered by +a; "työtä" needs +tä).
        out.push(format!("{word}t{a}"));
        // Illative lengthens the last vowel: "laatuun", "hintaan".
        out.push(format!("{word}{last}n"));
        out.push(format!("{word}sti"));
        out.push(format!("{weak}mmin"));
        for pl in plural_stems(word) {
            push_cases(out, word, &pl, &FI_PLURAL);
            out.push(format!("{pl}t{a}"));
            out.push(format!("{pl}ss{a}"));
        }
        let pl_weak = plural_stems(&weak);
        for pl in pl_weak {
            push_cases(out, word, &pl, &["ssa", "sta", "lla", "lta", "lle", "n", "ksi"]);
        }
        out.push(format!("{word}j{a}"));
        if let Some(body) = word.strip_suffix(['a', 'ä']) {
            // hinta → hintoja, tahra → tahroja
            out.push(format!("{body}{}", h(word, "oja")));
        }
        if matches!(last, 'o' | 'u' | 'ö' | 'y') {
            out.push(format!("{word}ihin"));
        }
    }
}

fn swedish(word: &str, out: &mut Vec<String>) {
    let endings: &[&str] = &["t", "a", "e", "n", "en", "et", "er", "ar", "na", "erna", "arna", "ens", "ets", "s"];
    for e in endings {
        out.push(format!("{word}{e}"));
    }
    if let Some(stem) = word.strip_suffix('a') {
        // faktura: fakturor, fakturorna; väntа → väntade, väntat
        for e in ["or", "orna", "an", "ans", "ade", "at", "ar"] {
            out.push(format!("{stem}{e}"));
        }
    }
    if let Some(stem) = word.strip_suffix("ad") {
        // försenad: försenat, försenade
        out.push(format!("{stem}at"));
        out.push(format!("{stem}ade"));
    }
    if let Some(stem) = word.strip_suffix("en") {
        // öppen/nöjd-type adjectives: öppet, öppna
        out.push(format!("{stem}et"));
        out.push(format!("{stem}na"));
    }
    if let Some(stem) = word.strip_suffix("el").or_else(|| word.strip_suffix("er")) {
        // enkel → enkla, vacker → vackra
        let l = &word[stem.len() + 1..];
        out.push(format!("{stem}{l}a"));
    }
    // Comparative and superlative: snabbare, snabbast.
    out.push(format!("{word}are"));
    out.push(format!("{word}ast"));
    out.push(format!("{word}aste"));
}

fn english(word: &str, out: &mut Vec<String>) {
    for e in ["s", "es", "ed", "ing", "ly"] {
        out.push(format!("{word}{e}"));
    }
    if let Some(stem) = word.strip_suffix('e') {
        out.push(format!("{stem}ed"));
        out.push(format!("{stem}ing"));
        out.push(format!("{word}d"));
    }
    if let Some(stem) = word.strip_suffix('y') {
        out.push(format!("{stem}ies"));
        out.push(format!("{stem}ied"));
        out.push(format!("{stem}ily"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(word: &str, lang: Locale, forms: &[&str]) {
        let v = variants(word, lang);
        for f in forms {
            assert!(v.iter().any(|x| x == f), "{word}: missing {f} in {v:?}");
        }
        assert_eq!(v[0], word);
    }

    #[test]
    fn finnish_nominal_types() {
        has("toimitus", Locale::Fi, &["toimituksen", "toimitusta", "toimitukset", "toimituksia"]);
        has("ystävällinen", Locale::Fi, &["ystävällisen", "ystävällistä", "ystävällisesti", "ystävällisiä"]);
        has("kallis", Locale::Fi, &["kalliin", "kallista", "kalliita"]);
        has("asiakas", Locale::Fi, &["asiakkaan", "asiakasta", "asiakkaat"]);
        has("tyytymätön", Locale::Fi, &["tyytymättömän", "tyytymätöntä", "tyytymättömiä"]);
        has("virhe", Locale::Fi, &["virheen", "virhettä", "virheitä"]);
        has("hinta", Locale::Fi, &["hinnan", "hintaa", "hinnat", "hintaan"]);
        has("laatu", Locale::Fi, &["laadun", "laatua", "laatuun"]);
        has("hyvä", Locale::Fi, &["hyvää", "hyvän", "hyviä"]);
        has("nopea", Locale::Fi, &["nopeaa", "nopeasti", "nopeammin"]);
        has("aika", Locale::Fi, &["ajan", "aikaa", "ajassa"]);
        has("siisti", Locale::Fi, &["siistiä", "siististi"]);
    }

    #[test]
    fn swedish_and_english_endings() {
        has("försenad", Locale::Sv, &["försenat", "försenade"]);
        has("faktura", Locale::Sv, &["fakturan", "fakturor"]);
        has("snabb", Locale::Sv, &["snabbt", "snabba", "snabbare"]);
        has("arrive", Locale::En, &["arrived", "arriving"]);
        has("messy", Locale::En, &["messily"]);
        assert_eq!(variants("", Locale::Fi), Vec::<String>::new());
        assert_eq!(variants("ok", Locale::Fi), ["ok"]);
    }
}

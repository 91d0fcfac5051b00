//! Sentence structure and scoring: from looked-up words to clause, answer and theme sentiment.
//!
//! The approach is VADER's (Hutto & Gilbert 2014), re-implemented and adapted to customer feedback in three
//! languages: word weights from the lexicon, negation within a few words ("ei ollut hyvä", "inte bra", "not
//! good"), intensifiers and dampeners directly before a word ("todella", "väldigt", "a bit"), contrast
//! ("mutta", "men", "but": the clause after weighs more), emoji, and exclamation marks. Two additions: the
//! answer is split into clauses (at punctuation and contrast words) so that each theme gets the sentiment
//! of the clauses that mention it ("great result but the painter was late" → quality positive, timeliness
//! negative), and lexicon phrases ("never arrived", "ei mitään valitettavaa") are matched as units.

use super::analyzer::Mention;
use super::compile::{EntryId, LangModel, Modifier};
use super::token::{RawKind, RawToken};

/// A negated word keeps three quarters of its strength, flipped ("not bad" is milder than "good").
pub(crate) const NEGATION: f32 = -0.75;
/// A word in capitals among lower-case text is shouted.
const CAPS: f32 = 1.2;
/// Each exclamation mark (up to three) adds this much to a clause's strength.
const EXCLAMATION: f32 = 0.3;
/// How far back a negator can reach at most, whatever its lexicon scope says.
const MAX_SCOPE: usize = 5;

/// What the analyzer knows about one raw token before scoring.
#[derive(Clone, Debug, Default)]
pub(crate) struct WordInfo {
    /// Range into the entry-id buffer.
    pub ids: (usize, usize),
    /// Lexical weight (0 when none).
    pub weight: f32,
    pub negated: Option<f32>,
    /// Multiplier from a compound's intensifier part ("jättenöjd").
    pub intensity: f32,
    /// A modifier starting here, and how many more words it spans.
    pub modifier: Option<(Modifier, usize)>,
    pub caps: bool,
    /// An emoji, emoticon or score notation: its weight counts as is.
    pub symbol: bool,
    /// Swallowed by a phrase or a multi-word modifier: no sentiment of its own.
    pub consumed: bool,
    /// The contribution to the sentiment, filled in by [`score`].
    pub valence: f32,
}

pub(crate) struct ThemeScore {
    pub theme: u16,
    pub raw: f32,
    pub mentions: Vec<Mention>,
}

pub(crate) struct Scored {
    /// The weighted sum over all clauses, before squashing into −1…1.
    pub raw: f32,
    /// Whether any word or symbol carried sentiment.
    pub evidence: bool,
    pub themes: Vec<ThemeScore>,
}

struct Clause {
    start: usize,
    end: usize,
    sentence: usize,
    factor: f32,
}

#[derive(Clone, Copy)]
struct Sentence {
    factor: f32,
    exclamations: u8,
    adverb: Option<f32>,
}

impl Default for Sentence {
    fn default() -> Self {
        Sentence { factor: 1.0, exclamations: 0, adverb: None }
    }
}

fn entry_ids<'a>(ids: &'a [EntryId], info: &WordInfo) -> &'a [EntryId] {
    &ids[info.ids.0..info.ids.1]
}

/// Moves each multi-word modifier ("a bit", "kind of") to its last word and silences the words before it,
/// so that "kind" in "kind of slow" is not read as friendly.
fn settle_multiword_modifiers(raw: &[RawToken], infos: &mut [WordInfo]) {
    for i in 0..infos.len() {
        let Some((m, extra)) = infos[i].modifier else { continue };
        if extra == 0 || i + extra >= infos.len() || raw[i + extra].kind != RawKind::Word {
            continue;
        }
        for info in &mut infos[i..i + extra] {
            info.modifier = None;
            info.weight = 0.0;
            info.negated = None;
            info.consumed = true;
        }
        infos[i + extra].modifier = Some((m, 0));
        infos[i + extra].weight = 0.0;
        infos[i + extra].negated = None;
    }
}

/// Splits the tokens into sentences and clauses and sets their contrast weights.
fn structure(raw: &[RawToken], infos: &[WordInfo]) -> (Vec<Clause>, Vec<Sentence>) {
    let mut clauses = Vec::new();
    let mut sentences = vec![Sentence::default()];
    let (mut clause_start, mut after, mut words, mut first_clause) = (0, 1.0f32, 0usize, 0usize);
    let push = |clauses: &mut Vec<Clause>, start: usize, end: usize, sentence: usize, factor: f32| {
        if start < end {
            clauses.push(Clause { start, end, sentence, factor });
        }
    };
    for (i, t) in raw.iter().enumerate() {
        let s = sentences.len() - 1;
        match t.kind {
            RawKind::SentenceEnd { exclamations, .. } => {
                push(&mut clauses, clause_start, i, s, after);
                sentences[s].exclamations = exclamations;
                sentences.push(Sentence::default());
                (clause_start, after, words, first_clause) = (i + 1, 1.0, 0, clauses.len());
            }
            RawKind::ClauseBreak => {
                push(&mut clauses, clause_start, i, s, after);
                clause_start = i + 1;
            }
            RawKind::Word => {
                match infos[i].modifier {
                    Some((Modifier::Contrast(w), _)) if words > 0 => {
                        push(&mut clauses, clause_start, i, s, after);
                        for c in &mut clauses[first_clause..] {
                            c.factor *= 2.0 - w;
                        }
                        (clause_start, after) = (i, w);
                    }
                    // "Mutta lasku oli väärin." contrasts with the sentence before.
                    Some((Modifier::Contrast(w) | Modifier::ContrastAdverb(w), _)) => sentences[s].adverb = Some(w),
                    _ => {}
                }
                words += 1;
            }
            _ => {}
        }
    }
    push(&mut clauses, clause_start, raw.len(), sentences.len() - 1, after);
    for s in 0..sentences.len() {
        if let Some(w) = sentences[s].adverb {
            sentences[s].factor *= w;
            for earlier in &mut sentences[..s] {
                earlier.factor *= 2.0 - w;
            }
        }
    }
    (clauses, sentences)
}

/// Scores the answer. `infos` gets each token's valence.
pub(crate) fn score(model: &LangModel, raw: &[RawToken], infos: &mut [WordInfo], ids: &[EntryId]) -> Scored {
    settle_multiword_modifiers(raw, infos);
    let (clauses, sentences) = structure(raw, infos);
    let mut clause_raw = vec![0.0f32; clauses.len()];
    let mut hits: Vec<(u16, usize, Mention)> = Vec::new();
    let mut ws: Vec<usize> = Vec::new();
    let mut evidence = false;

    for (c, clause) in clauses.iter().enumerate() {
        ws.clear();
        ws.extend((clause.start..clause.end).filter(|&i| raw[i].kind == RawKind::Word));
        match_phrases(model, raw, infos, ids, &ws, c, &mut hits);
        for &i in &ws {
            for &id in entry_ids(ids, &infos[i]) {
                for &theme in &model.entries[id as usize].themes {
                    hits.push((theme, c, Mention { start: raw[i].start, end: raw[i].end }));
                }
            }
        }
        // A word that is both an intensifier and a sentiment word ("hyvin" = very / well, "pretty") is an
        // intensifier before another sentiment word and a sentiment word otherwise.
        for k in 0..ws.len() {
            let i = ws[k];
            if let Some((Modifier::Intensifier(_), _)) = infos[i].modifier
                && infos[i].weight != 0.0
            {
                let next = ws.get(k + 1).map(|&j| &infos[j]);
                if next.is_some_and(|n| n.weight != 0.0 || matches!(n.modifier, Some((Modifier::Intensifier(_), _)))) {
                    infos[i].weight = 0.0;
                } else {
                    infos[i].modifier = None;
                }
            }
        }
        let mut sum = 0.0f32;
        for k in 0..ws.len() {
            let i = ws[k];
            let weight = infos[i].weight;
            // A weight of 0 with a negated weight is a neutral word whose negation is not ("arrived" /
            // "never arrived").
            if weight == 0.0 && infos[i].negated.is_none() {
                continue;
            }
            let mut mult = infos[i].intensity;
            // Intensifiers directly before the word, each further one counting a little less.
            let (mut j, mut decay) = (k, 1.0f32);
            while j > 0 {
                match infos[ws[j - 1]].modifier {
                    Some((Modifier::Intensifier(m), _)) => {
                        mult *= 1.0 + (m - 1.0) * decay;
                        decay *= 0.8;
                        j -= 1;
                    }
                    _ => break,
                }
            }
            let before = (1..=k.min(MAX_SCOPE)).any(|d| {
                matches!(infos[ws[k - d]].modifier, Some((Modifier::Negator { ahead, .. }, _)) if d <= usize::from(ahead))
            });
            let after = (1..=(ws.len() - 1 - k).min(MAX_SCOPE)).any(|d| {
                matches!(infos[ws[k + d]].modifier, Some((Modifier::Negator { behind, .. }, _)) if d <= usize::from(behind))
            });
            let negated = before || after;
            let mut v = weight;
            if negated {
                v = infos[i].negated.unwrap_or(weight * NEGATION);
                // "not very good" is milder than "not good", not stronger.
                if mult > 1.0 {
                    mult = 1.0 / mult;
                }
            }
            if infos[i].caps {
                v *= CAPS;
            }
            infos[i].valence = v * mult;
            sum += v * mult;
            evidence |= v != 0.0;
        }
        for info in &mut infos[clause.start..clause.end] {
            if info.symbol && info.weight != 0.0 {
                info.valence = info.weight;
                sum += info.weight;
                evidence = true;
            }
        }
        let sentence = sentences[clause.sentence];
        if sum != 0.0 && sentence.exclamations > 0 {
            sum += sum.signum() * EXCLAMATION * f32::from(sentence.exclamations.min(3));
        }
        clause_raw[c] = sum * clause.factor * sentence.factor;
    }

    let total = clause_raw.iter().sum();
    Scored { raw: total, evidence, themes: theme_scores(&clauses, &clause_raw, hits) }
}

/// Matches lexicon and theme phrases in one clause. A sentiment phrase replaces its words' own sentiment
/// (and modifiers: the "ei" of "ei mitään valitettavaa" must not negate the words after it).
fn match_phrases(
    model: &LangModel,
    raw: &[RawToken],
    infos: &mut [WordInfo],
    ids: &[EntryId],
    ws: &[usize],
    clause: usize,
    hits: &mut Vec<(u16, usize, Mention)>,
) {
    let mut k = 0;
    while k < ws.len() {
        let mut consumed = 1;
        let first = ws[k];
        for &id in entry_ids(ids, &infos[first]) {
            let Some(list) = model.phrase_index.get(&id) else { continue };
            for &p in list {
                let phrase = &model.phrases[p as usize];
                let n = phrase.words.len();
                let fits = n <= ws.len() - k
                    && (1..n).all(|j| {
                        let t = ws[k + j];
                        !infos[t].consumed && entry_ids(ids, &infos[t]).contains(&phrase.words[j])
                    });
                if !fits {
                    continue;
                }
                let mention = Mention { start: raw[first].start, end: raw[ws[k + n - 1]].end };
                hits.extend(phrase.themes.iter().map(|&t| (t, clause, mention)));
                if let Some(w) = phrase.weight
                    && consumed == 1
                {
                    infos[first].weight = w;
                    infos[first].negated = phrase.negated;
                    infos[first].intensity = 1.0;
                    infos[first].modifier = None;
                    for &t in &ws[k + 1..k + n] {
                        infos[t].weight = 0.0;
                        infos[t].negated = None;
                        infos[t].modifier = None;
                        infos[t].consumed = true;
                    }
                    consumed = n;
                }
            }
        }
        k += consumed;
    }
}

/// Gathers theme mentions and gives each theme the sentiment of its clauses. A clause that names a theme
/// but carries no sentiment ("Toimitus, nopea ja edullinen" splits "Toimitus" off) borrows from the nearest
/// clause of the same sentence that carries sentiment and names no theme of its own.
fn theme_scores(clauses: &[Clause], clause_raw: &[f32], mut hits: Vec<(u16, usize, Mention)>) -> Vec<ThemeScore> {
    hits.sort_by_key(|&(theme, _, m)| (m.start, std::cmp::Reverse(m.end), theme));
    let mut has_theme = vec![false; clauses.len()];
    for &(_, c, _) in &hits {
        has_theme[c] = true;
    }
    let borrow = |c: usize| -> f32 {
        let s = clauses[c].sentence;
        let candidates = clauses
            .iter()
            .enumerate()
            .filter(|&(o, cl)| o != c && cl.sentence == s && !has_theme[o] && clause_raw[o] != 0.0);
        // Nearest first; on a tie the later clause ("Hinta – aivan liian kova").
        candidates.min_by_key(|&(o, _)| (o.abs_diff(c), std::cmp::Reverse(o))).map_or(0.0, |(o, _)| clause_raw[o])
    };
    let mut out: Vec<(ThemeScore, Vec<usize>)> = Vec::new();
    for (theme, c, m) in hits {
        let idx = match out.iter().position(|(t, _)| t.theme == theme) {
            Some(i) => i,
            None => {
                out.push((ThemeScore { theme, raw: 0.0, mentions: Vec::new() }, Vec::new()));
                out.len() - 1
            }
        };
        let (score, seen) = &mut out[idx];
        // Mentions arrive sorted by start, longest first: drop one inside the previous ("arrived" inside
        // "never arrived").
        if !score.mentions.last().is_some_and(|p| p.start <= m.start && m.end <= p.end) {
            score.mentions.push(m);
        }
        if !seen.contains(&c) {
            seen.push(c);
            score.raw += if clause_raw[c] != 0.0 { clause_raw[c] } else { borrow(c) };
        }
    }
    out.into_iter().map(|(t, _)| t).collect()
}

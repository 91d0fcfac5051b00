//! Finnish base forms from libvoikko, loaded at run time.
//!
//! Snowball only chops suffixes ("toimituksen" → "toimituks", "kalliimpi" → "kalliim"); libvoikko knows the
//! words: real lemmas ("toimitus", "kallis", "suositella") and where compounds join ("toimitusaika" →
//! "toimitus" + "aika"). It is LGPL and a C library, so Polku links nothing at build time: `libvoikko.so.1`
//! is opened with `libloading` when the analyzer is built, through the handful of functions below (this is
//! our own binding; the `voikko-rs` crate is GPL-3). Without the library, or with `POLKU_VOIKKO=off`, the
//! analyzer uses Snowball and says so in the log and on the inbox page. Swedish and English always use
//! Snowball, as do Finnish words libvoikko does not know (names, typos, slang).
//!
//! A libvoikko handle is not thread-safe, so there is one per core, each behind a mutex, and a bounded
//! cache of answers in front of them: feedback repeats its words, and a cached word costs a hash lookup.

use polku_domain::Locale;
use polku_domain::text::{Lemmatizer, SnowballLemmatizer};
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_void};
use std::sync::Mutex;

type InitFn = unsafe extern "C" fn(*mut *const c_char, *const c_char, *const c_char) -> *mut c_void;
type TerminateFn = unsafe extern "C" fn(*mut c_void);
type AnalyzeFn = unsafe extern "C" fn(*mut c_void, *const c_char) -> *mut *mut c_void;
type FreeAnalysisFn = unsafe extern "C" fn(*mut *mut c_void);
type ValueFn = unsafe extern "C" fn(*const c_void, *const c_char) -> *mut c_char;
type FreeValueFn = unsafe extern "C" fn(*mut c_char);
type VersionFn = unsafe extern "C" fn() -> *const c_char;

/// The functions of libvoikko's C API that Polku uses (see `voikko.h`), and the library that holds them.
struct Api {
    terminate: TerminateFn,
    analyze: AnalyzeFn,
    free_analysis: FreeAnalysisFn,
    value: ValueFn,
    free_value: FreeValueFn,
    // Kept last so that it is dropped (unloaded) after every use of the functions above.
    _lib: libloading::Library,
}

/// A `VoikkoHandle *`. Used by one thread at a time (behind a mutex), which libvoikko allows.
struct Handle(*mut c_void);

// SAFETY: libvoikko handles may move between threads; they must not be used by two at once, which the
// mutex around each prevents.
unsafe impl Send for Handle {}

/// Words kept per cache shard before the shard is emptied.
const CACHE_SHARD_WORDS: usize = 8192;
const CACHE_SHARDS: usize = 16;

/// Finnish base forms from libvoikko; everything else from Snowball.
pub struct VoikkoLemmatizer {
    api: Api,
    handles: Vec<Mutex<Handle>>,
    cache: Vec<Mutex<HashMap<String, Vec<String>>>>,
    snowball: SnowballLemmatizer,
    version: String,
}

impl std::fmt::Debug for VoikkoLemmatizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VoikkoLemmatizer({})", self.version)
    }
}

impl VoikkoLemmatizer {
    /// Opens `library` (e.g. `libvoikko.so.1`) and its Finnish dictionary, with `handles` analyzers.
    pub fn load(library: &str, handles: usize) -> Result<Self, String> {
        // SAFETY: loading runs the library's initialisers; libvoikko's only set up its own state.
        let lib = unsafe { libloading::Library::new(library) }.map_err(|e| format!("cannot open {library}: {e}"))?;
        // SAFETY: each symbol is declared with the signature voikko.h gives it.
        let (init, terminate, analyze, free_analysis, value, free_value, version) = unsafe {
            (
                symbol::<InitFn>(&lib, b"voikkoInit\0")?,
                symbol::<TerminateFn>(&lib, b"voikkoTerminate\0")?,
                symbol::<AnalyzeFn>(&lib, b"voikkoAnalyzeWordCstr\0")?,
                symbol::<FreeAnalysisFn>(&lib, b"voikko_free_mor_analysis\0")?,
                symbol::<ValueFn>(&lib, b"voikko_mor_analysis_value_cstr\0")?,
                symbol::<FreeValueFn>(&lib, b"voikko_free_mor_analysis_value_cstr\0")?,
                symbol::<VersionFn>(&lib, b"voikkoGetVersion\0")?,
            )
        };
        let api = Api { terminate, analyze, free_analysis, value, free_value, _lib: lib };
        // SAFETY: voikkoGetVersion returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(version()) }.to_string_lossy().into_owned();
        let mut opened = Vec::with_capacity(handles.max(1));
        for _ in 0..handles.max(1) {
            let mut error: *const c_char = std::ptr::null();
            // SAFETY: "fi" is NUL-terminated; a null path means the default dictionary locations.
            let h = unsafe { init(&mut error, c"fi".as_ptr(), std::ptr::null()) };
            if h.is_null() {
                let why = if error.is_null() {
                    "unknown error".to_string()
                } else {
                    // SAFETY: on failure libvoikko points `error` at a static message.
                    unsafe { CStr::from_ptr(error) }.to_string_lossy().into_owned()
                };
                for Handle(h) in opened.drain(..) {
                    // SAFETY: a handle from voikkoInit, terminated once.
                    unsafe { (api.terminate)(h) };
                }
                return Err(format!("libvoikko {version} has no Finnish dictionary ({why}); install voikko-fi"));
            }
            opened.push(Handle(h));
        }
        Ok(VoikkoLemmatizer {
            api,
            handles: opened.into_iter().map(Mutex::new).collect(),
            cache: (0..CACHE_SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            snowball: SnowballLemmatizer::new(),
            version,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// Forgets every cached word (for the benchmark of uncached analysis).
    pub fn clear_cache(&self) {
        for shard in &self.cache {
            shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        }
    }

    /// The analyses of one word: each one's BASEFORM and STRUCTURE (None where libvoikko gave none).
    fn analyses(&self, word: &str) -> Vec<(Option<String>, Option<String>)> {
        let Ok(cword) = CString::new(word) else { return Vec::new() };
        // Any free handle, else wait for the one this word hashes to.
        let guard = self.handles.iter().find_map(|m| m.try_lock().ok()).unwrap_or_else(|| {
            let i = fnv1a(word) % self.handles.len();
            self.handles[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        let mut out = Vec::new();
        // SAFETY: the handle is ours alone while the guard lives; the returned array is NULL-terminated and
        // freed once below, after every value read from it has been copied and freed.
        unsafe {
            let list = (self.api.analyze)(guard.0, cword.as_ptr());
            if list.is_null() {
                return out;
            }
            let mut i = 0;
            while !(*list.add(i)).is_null() {
                let a = *list.add(i);
                let read = |key: &CStr| {
                    let v = (self.api.value)(a, key.as_ptr());
                    if v.is_null() {
                        return None;
                    }
                    let s = CStr::from_ptr(v).to_string_lossy().into_owned();
                    (self.api.free_value)(v);
                    Some(s)
                };
                out.push((read(c"BASEFORM"), read(c"STRUCTURE")));
                i += 1;
            }
            (self.api.free_analysis)(list);
        }
        out
    }

    fn finnish(&self, word: &str) -> Vec<String> {
        let shard = &self.cache[fnv1a(word) % CACHE_SHARDS];
        if let Some(forms) = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(word) {
            return forms.clone();
        }
        let forms = base_forms_from(word, &self.analyses(word));
        let forms = if forms.is_empty() { self.snowball.base_forms(word, Locale::Fi) } else { forms };
        let mut cache = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_SHARD_WORDS {
            cache.clear();
        }
        cache.insert(word.to_string(), forms.clone());
        forms
    }
}

impl Drop for VoikkoLemmatizer {
    fn drop(&mut self) {
        for m in &self.handles {
            let h = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // SAFETY: each handle came from voikkoInit and is terminated exactly once, here.
            unsafe { (self.api.terminate)(h.0) };
        }
    }
}

impl Lemmatizer for VoikkoLemmatizer {
    fn base_forms(&self, word: &str, lang: Locale) -> Vec<String> {
        match lang {
            Locale::Fi => self.finnish(word),
            _ => self.snowball.base_forms(word, lang),
        }
    }
}

/// A function of `lib`, copied out.
///
/// # Safety
/// `T` must be the function's true signature.
unsafe fn symbol<T: Copy>(lib: &libloading::Library, name: &[u8]) -> Result<T, String> {
    // SAFETY: the caller vouches for `T`.
    unsafe { lib.get::<T>(name) }
        .map(|s| *s)
        .map_err(|e| format!("libvoikko lacks {}: {e}", String::from_utf8_lossy(name).trim_end_matches('\0')))
}

/// FNV-1a, to pick a cache shard.
fn fnv1a(s: &str) -> usize {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)) as usize
}

/// Base forms from libvoikko's analyses of `word`: every distinct lemma, then the parts of a compound. A
/// compound's STRUCTURE marks where its parts start with `=` ("=pppppppp=pppp" for "toimitusaika"); the
/// parts before the last are uninflected, so they are cut from the lemma at the same places, which gives
/// the last part in its base form too ("laskutusvirheen" → "laskutus" + "virhe").
fn base_forms_from(word: &str, analyses: &[(Option<String>, Option<String>)]) -> Vec<String> {
    let mut forms: Vec<String> = Vec::new();
    for (base, _) in analyses {
        if let Some(b) = base.as_deref().map(str::to_lowercase)
            && !b.is_empty()
            && !forms.contains(&b)
        {
            forms.push(b);
        }
    }
    for (base, structure) in analyses {
        let (Some(base), Some(structure)) = (base, structure) else { continue };
        let base: Vec<char> = base.to_lowercase().chars().collect();
        let word: Vec<char> = word.chars().collect();
        let mut cuts = Vec::new();
        let mut at = 0usize;
        for c in structure.chars() {
            if c == '=' {
                if at > 0 {
                    cuts.push(at);
                }
            } else {
                at += 1;
            }
        }
        let Some(&last) = cuts.last() else { continue };
        if at != word.len() || last >= base.len() || base[..last] != word[..last] {
            continue;
        }
        let mut start = 0;
        for end in cuts.into_iter().chain(std::iter::once(base.len())) {
            let part: String = base[start..end].iter().collect();
            if part.chars().count() >= 2 && !forms.contains(&part) {
                forms.push(part);
            }
            start = end;
        }
    }
    forms
}

/// The analyzer's lemmatizer for this process: libvoikko for Finnish when it loads (unless `POLKU_VOIKKO`
/// is `off`; `POLKU_VOIKKO_LIBRARY` names another library file), else Snowball. Returns it with what was
/// chosen, for the log and the UI.
pub fn lemmatizer() -> (Box<dyn Lemmatizer>, LemmatizerInfo) {
    let off = std::env::var("POLKU_VOIKKO").is_ok_and(|v| v == "off");
    let library = std::env::var("POLKU_VOIKKO_LIBRARY").unwrap_or_else(|_| "libvoikko.so.1".into());
    let (lemmatizer, info) = choose(off, &library);
    match &info {
        LemmatizerInfo::Voikko { version } => tracing::info!(version, "Finnish base forms: libvoikko"),
        LemmatizerInfo::Snowball { why } => {
            tracing::warn!(%why, "Finnish base forms fall back to the Snowball stemmer")
        }
    }
    (lemmatizer, info)
}

fn choose(off: bool, library: &str) -> (Box<dyn Lemmatizer>, LemmatizerInfo) {
    if off {
        return (Box::new(SnowballLemmatizer::new()), LemmatizerInfo::Snowball { why: "POLKU_VOIKKO=off".into() });
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    match VoikkoLemmatizer::load(library, cores) {
        Ok(v) => {
            let info = LemmatizerInfo::Voikko { version: v.version().to_string() };
            (Box::new(v), info)
        }
        Err(why) => (Box::new(SnowballLemmatizer::new()), LemmatizerInfo::Snowball { why }),
    }
}

/// Which lemmatizer the analyzer uses for Finnish, for the log and the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LemmatizerInfo {
    Voikko { version: String },
    Snowball { why: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(base: &str, structure: &str) -> (Option<String>, Option<String>) {
        (Some(base.into()), Some(structure.into()))
    }

    #[test]
    fn compounds_are_cut_from_the_lemma_where_the_structure_joins_them() {
        assert_eq!(
            base_forms_from("toimitusaika", &[a("toimitusaika", "=pppppppp=pppp")]),
            ["toimitusaika", "toimitus", "aika"]
        );
        assert_eq!(
            base_forms_from("laskutusvirheen", &[a("laskutusvirhe", "=pppppppp=ppppppp")]),
            ["laskutusvirhe", "laskutus", "virhe"]
        );
        // Two readings: both lemmas, no parts for simple words.
        assert_eq!(
            base_forms_from("myöhässä", &[a("myöhä", "=pppppppp"), a("myöhässä", "=pppppppp")]),
            ["myöhä", "myöhässä"]
        );
        // A structure that does not fit the word is ignored rather than trusted.
        assert_eq!(base_forms_from("abc", &[a("abcdef", "=pp=pppp")]), ["abcdef"]);
        assert!(base_forms_from("xyzzq", &[]).is_empty());
    }

    /// Runs where libvoikko and its Finnish dictionary are installed (`.ci/run` installs them and sets
    /// `POLKU_REQUIRE_VOIKKO=1`, which makes a missing library a failure rather than a skip).
    #[test]
    fn libvoikko_gives_lemmas_and_compound_parts() {
        let v = match VoikkoLemmatizer::load("libvoikko.so.1", 2) {
            Ok(v) => v,
            Err(e) if std::env::var("POLKU_REQUIRE_VOIKKO").is_ok_and(|v| v == "1") => panic!("{e}"),
            Err(e) => return eprintln!("skipped: {e}"),
        };
        let fi = |w: &str| v.base_forms(w, Locale::Fi);
        assert_eq!(fi("toimituksen")[0], "toimitus");
        assert_eq!(fi("kalliimpi")[0], "kallis");
        assert_eq!(fi("suosittelen")[0], "suositella");
        assert_eq!(fi("katon")[0], "katto", "not the stem of katosi");
        assert_eq!(fi("toimitusaika"), ["toimitusaika", "toimitus", "aika"]);
        // Unknown words fall back to Snowball; other languages always use it.
        assert_eq!(fi("xyzzqö"), SnowballLemmatizer::new().base_forms("xyzzqö", Locale::Fi));
        assert_eq!(v.base_forms("leveransen", Locale::Sv), ["leverans"]);
        // Cached answers are the same answers, from any thread.
        let again: Vec<Vec<String>> =
            std::thread::scope(|s| (0..4).map(|_| s.spawn(|| fi("toimituksen"))).map(|h| h.join().unwrap()).collect());
        assert!(again.iter().all(|f| f[0] == "toimitus"));
    }

    #[test]
    fn without_the_library_or_when_turned_off_snowball_is_used_and_the_reason_kept() {
        let (l, info) = choose(false, "/nonexistent/libvoikko.so.1");
        assert!(
            matches!(&info, LemmatizerInfo::Snowball { why } if why.contains("/nonexistent/libvoikko.so.1")),
            "{info:?}"
        );
        assert_eq!(l.base_forms("toimituksen", Locale::Fi), ["toimituks"]);
        let (_, info) = choose(true, "libvoikko.so.1");
        assert_eq!(info, LemmatizerInfo::Snowball { why: "POLKU_VOIKKO=off".into() });
    }
}

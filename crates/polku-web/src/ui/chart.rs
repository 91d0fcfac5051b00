//! Server-rendered SVG charts for the web UI.
//!
//! Polku's pages are plain HTML without JavaScript, so charts are built here
//! as inline SVG strings: a metric trend with its 95 % confidence band
//! ([`trend_svg`]) and a score distribution ([`distribution_svg`]). The SVG
//! scales with its container (`viewBox`, `width="100%"`) and is themed by the
//! stylesheet through CSS classes; the only presentation attributes are
//! `currentColor` fallbacks, so an unstyled chart stays legible instead of
//! painting every shape black. Hover tooltips use SVG `<title>` elements,
//! which need no script. All caller-supplied text is XML-escaped.
//!
//! CSS classes: `chart` plus `chart-trend` / `chart-dist` on the root, `grid`,
//! `zero`, `axis`, `axis-label` with `x` / `y`, `minor` (every second x label,
//! so narrow screens can hide it), `band`, `line`, `pt` (one per data point,
//! plus `gap` when it has no value), `point`, `hit` (invisible hover area),
//! `bar` plus the bar's own class, `bar-value` and `no-data`.

use crate::i18n::T;
use std::fmt::{self, Display, Write};

/// One time bucket of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// Bucket label, e.g. the bucket start date "2026-11-23".
    pub label: String,
    /// Metric value; `None` (or a non-finite value) breaks the line.
    pub value: Option<f64>,
    /// 95 % confidence interval `[lo, hi]`.
    pub ci: Option<[f64; 2]>,
    /// Number of responses in the bucket.
    pub n: u64,
}

/// One bar of a distribution, e.g. the responses that gave score 9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub count: u64,
    /// CSS class, e.g. "detractor", "passive", "promoter" or "neutral".
    pub class: &'static str,
}

// Geometry in viewBox units. The margins leave room for axis labels even when
// the stylesheet enlarges the text on narrow screens (the whole SVG scales
// down there, text included).
const TREND_W: f64 = 600.0;
const TREND_H: f64 = 240.0;
const TREND_LEFT: f64 = 56.0;
const TREND_RIGHT: f64 = 32.0;
const TREND_TOP: f64 = 14.0;
const TREND_BOTTOM: f64 = 30.0;
/// Keeps the first and last point off the plot edges.
const TREND_INSET: f64 = 8.0;
/// More date labels than this would overlap at the default font size.
const MAX_X_LABELS: usize = 8;

const DIST_W: f64 = 600.0;
const DIST_H: f64 = 220.0;
const DIST_SIDE: f64 = 8.0;
const DIST_TOP: f64 = 24.0;
const DIST_BOTTOM: f64 = 28.0;
/// Share of each slot a bar fills; the rest is the gap between bars.
const BAR_FILL: f64 = 0.7;

/// Line chart of a metric over time with its 95 % interval as a shaded band.
///
/// The y axis is fixed to `y_min..y_max` (e.g. -100..100 for NPS, 0..100 for
/// CSAT, 1..7 for CES) so charts of the same metric stay comparable; values
/// outside it are drawn clamped to the edge but shown unclamped in tooltips.
/// Points with value `None` are gaps. At most eight x labels are
/// shown, always including the latest bucket.
pub fn trend_svg(t: &T, title: &str, points: &[TrendPoint], y_min: f64, y_max: f64) -> String {
    let mut out = String::with_capacity(2048 + points.len() * 320);
    // Writing into a String cannot fail, so the Result carries no information.
    let _ = write_trend(&mut out, t, title, points, y_min, y_max);
    out
}

/// Vertical bar chart of a score distribution (e.g. 0..10) with the count
/// above each bar and a "label: count (share %)" tooltip per bar.
pub fn distribution_svg(t: &T, title: &str, bars: &[Bar]) -> String {
    let mut out = String::with_capacity(1024 + bars.len() * 400);
    // Writing into a String cannot fail, so the Result carries no information.
    let _ = write_distribution(&mut out, t, title, bars);
    out
}

fn write_trend(out: &mut String, t: &T, title: &str, points: &[TrendPoint], y_min: f64, y_max: f64) -> fmt::Result {
    open_svg(out, "chart chart-trend", TREND_W, TREND_H, title)?;
    if !points.iter().any(|p| finite(p.value).is_some()) {
        no_data(out, t, TREND_W, TREND_H)?;
        return out.write_str("</svg>");
    }

    let (lo, hi) = sane_range(y_min, y_max);
    let (left, right) = (TREND_LEFT, TREND_W - TREND_RIGHT);
    let (top, bottom) = (TREND_TOP, TREND_H - TREND_BOTTOM);
    let y = |v: f64| bottom - (v.clamp(lo, hi) - lo) / (hi - lo) * (bottom - top);
    let n = points.len();
    let (x0, x1) = (left + TREND_INSET, right - TREND_INSET);
    let step = if n > 1 { (x1 - x0) / (n - 1) as f64 } else { x1 - x0 };
    let x = |i: usize| {
        if n > 1 { x0 + step * i as f64 } else { (x0 + x1) / 2.0 }
    };
    // Small enough that neighbouring points never touch.
    let r = (step / 3.0).clamp(1.5, 3.5);

    // Gridlines and their labels.
    let ticks = ticks(lo, hi);
    out.write_str(r#"<g class="grid" stroke="currentColor" stroke-opacity="0.15">"#)?;
    for &tick in &ticks {
        let ty = C(y(tick));
        write!(out, r#"<line x1="{}" y1="{ty}" x2="{}" y2="{ty}"/>"#, C(left), C(right))?;
    }
    out.write_str("</g>")?;
    if lo < 0.0 && hi > 0.0 {
        let zy = C(y(0.0));
        write!(
            out,
            r#"<line class="zero" x1="{}" y1="{zy}" x2="{}" y2="{zy}" stroke="currentColor" stroke-opacity="0.5"/>"#,
            C(left),
            C(right)
        )?;
    }
    out.write_str(r#"<g class="axis-label y" text-anchor="end">"#)?;
    for &tick in &ticks {
        write!(out, r#"<text x="{}" y="{}" dy="0.32em">{}</text>"#, C(left - 8.0), C(y(tick)), tick_label(t, tick))?;
    }
    out.write_str("</g>")?;

    // Confidence band: one closed subpath per run of consecutive points with
    // an interval, so missing intervals leave visible holes.
    let mut band = String::new();
    for run in runs(points.len(), |i| valid_ci(points[i].ci).is_some()) {
        let ci = |i: usize| valid_ci(points[i].ci).unwrap_or_default();
        if run.len() == 1 {
            // A lone interval has no width to fill; draw it as a narrow box.
            let i = run.start;
            let [l, h] = ci(i);
            let half = r + 2.0;
            write!(band, "M{} {}H{}V{}H{}Z", C(x(i) - half), C(y(h)), C(x(i) + half), C(y(l)), C(x(i) - half))?;
        } else {
            // Upper edge left to right, then the lower edge back.
            for i in run.clone() {
                let cmd = if i == run.start { 'M' } else { 'L' };
                write!(band, "{cmd}{} {}", C(x(i)), C(y(ci(i)[1])))?;
            }
            for i in run.rev() {
                write!(band, "L{} {}", C(x(i)), C(y(ci(i)[0])))?;
            }
            band.push('Z');
        }
    }
    if !band.is_empty() {
        write!(out, r#"<path class="band" d="{band}" fill="currentColor" fill-opacity="0.15"/>"#)?;
    }

    // The line: a new "M" after every gap.
    let mut line = String::new();
    for run in runs(points.len(), |i| finite(points[i].value).is_some()) {
        for i in run.clone() {
            let cmd = if i == run.start { 'M' } else { 'L' };
            let v = finite(points[i].value).unwrap_or_default();
            write!(line, "{cmd}{} {}", C(x(i)), C(y(v)))?;
        }
    }
    write!(
        out,
        r#"<path class="line" d="{line}" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>"#
    )?;

    // Points with tooltips. Each gets a full-height invisible column so the
    // tooltip is easy to reach (gaps included) without hitting a 3-unit dot.
    for (i, p) in points.iter().enumerate() {
        let value = finite(p.value);
        let class = if value.is_some() { "pt" } else { "pt gap" };
        write!(
            out,
            r#"<g class="{class}"><title>{}</title><rect class="hit" x="{}" y="{}" width="{}" height="{}" fill="none" pointer-events="all"/>"#,
            Esc(&trend_tooltip(t, p)),
            C(x(i) - step / 2.0),
            C(top),
            C(step),
            C(bottom - top)
        )?;
        if let Some(v) = value {
            write!(out, r#"<circle class="point" cx="{}" cy="{}" r="{}"/>"#, C(x(i)), C(y(v)), C(r))?;
        }
        out.write_str("</g>")?;
    }

    // X labels, thinned from the end so the latest bucket is always labelled.
    let stride = n.div_ceil(MAX_X_LABELS).max(1);
    out.write_str(r#"<g class="axis-label x" text-anchor="middle">"#)?;
    for (i, p) in points.iter().enumerate() {
        let from_end = n - 1 - i;
        if !from_end.is_multiple_of(stride) {
            continue;
        }
        let minor = if (from_end / stride) % 2 == 1 { r#" class="minor""# } else { "" };
        write!(out, r#"<text{minor} x="{}" y="{}">{}</text>"#, C(x(i)), C(bottom + 20.0), Esc(&p.label))?;
    }
    out.write_str("</g></svg>")
}

fn write_distribution(out: &mut String, t: &T, title: &str, bars: &[Bar]) -> fmt::Result {
    open_svg(out, "chart chart-dist", DIST_W, DIST_H, title)?;
    if bars.is_empty() {
        no_data(out, t, DIST_W, DIST_H)?;
        return out.write_str("</svg>");
    }

    let total = bars.iter().fold(0u64, |acc, b| acc.saturating_add(b.count));
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let (top, bottom) = (DIST_TOP, DIST_H - DIST_BOTTOM);
    let slot = (DIST_W - 2.0 * DIST_SIDE) / bars.len() as f64;
    let width = slot * BAR_FILL;

    write!(
        out,
        r#"<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-opacity="0.4"/>"#,
        C(DIST_SIDE),
        C(bottom),
        C(DIST_W - DIST_SIDE),
        C(bottom)
    )?;
    for (i, bar) in bars.iter().enumerate() {
        let cx = DIST_SIDE + slot * (i as f64 + 0.5);
        let h = if max == 0 { 0.0 } else { bar.count as f64 / max as f64 * (bottom - top) };
        let share = if total == 0 { 0.0 } else { bar.count as f64 * 100.0 / total as f64 };
        let tip = format!("{}: {} ({} %)", bar.label, bar.count, fmt1(t, share));
        write!(
            out,
            r#"<g class="pt"><title>{}</title><rect class="hit" x="{}" y="{}" width="{}" height="{}" fill="none" pointer-events="all"/>"#,
            Esc(&tip),
            C(cx - slot / 2.0),
            C(top),
            C(slot),
            C(bottom - top)
        )?;
        write!(
            out,
            r#"<rect class="bar {}" x="{}" y="{}" width="{}" height="{}"/>"#,
            Esc(bar.class),
            C(cx - width / 2.0),
            C(bottom - h),
            C(width),
            C(h)
        )?;
        write!(
            out,
            r#"<text class="bar-value" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            C(cx),
            C(bottom - h - 6.0),
            bar.count
        )?;
        write!(
            out,
            r#"<text class="axis-label x" x="{}" y="{}" text-anchor="middle">{}</text></g>"#,
            C(cx),
            C(bottom + 18.0),
            Esc(&bar.label)
        )?;
    }
    out.write_str("</svg>")
}

/// Root element. No pixel size: the stylesheet makes it `width: 100%` and
/// the viewBox keeps the aspect ratio. `fill="currentColor"` is the unstyled
/// fallback for text and bars.
fn open_svg(out: &mut String, class: &str, w: f64, h: f64, title: &str) -> fmt::Result {
    write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}" fill="currentColor" font-family="system-ui, sans-serif" font-size="12"><title>{t}</title>"#,
        t = Esc(title)
    )
}

fn no_data(out: &mut String, t: &T, w: f64, h: f64) -> fmt::Result {
    write!(
        out,
        r#"<text class="no-data" x="{}" y="{}" dy="0.32em" text-anchor="middle">{}</text>"#,
        C(w / 2.0),
        C(h / 2.0),
        Esc(&t.get("chart-no-data"))
    )
}

/// "label: value (95 % CI lo–hi, n = N)", leaving out what is missing.
fn trend_tooltip(t: &T, p: &TrendPoint) -> String {
    let value = finite(p.value).map_or_else(|| t.get("chart-no-value"), |v| fmt1(t, v));
    match valid_ci(p.ci) {
        Some([lo, hi]) => {
            format!("{}: {value} ({} {}–{}, n = {})", p.label, t.get("chart-ci"), fmt1(t, lo), fmt1(t, hi), p.n)
        }
        None => format!("{}: {value} (n = {})", p.label, p.n),
    }
}

/// Treats NaN and infinities like a missing value: they cannot be drawn.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// A drawable interval, ordered low to high.
fn valid_ci(ci: Option<[f64; 2]>) -> Option<[f64; 2]> {
    let [a, b] = ci?;
    (a.is_finite() && b.is_finite()).then(|| [a.min(b), a.max(b)])
}

/// A usable y range from whatever the caller passed; a chart is better than
/// a panic in a page handler.
fn sane_range(y_min: f64, y_max: f64) -> (f64, f64) {
    if !(y_min.is_finite() && y_max.is_finite()) {
        (0.0, 100.0)
    } else if y_min < y_max {
        (y_min, y_max)
    } else if y_min > y_max {
        (y_max, y_min)
    } else {
        (y_min - 1.0, y_min + 1.0)
    }
}

/// Gridline values from `lo` to `hi` inclusive, so both ends are labelled.
/// Picks the first interval count whose step is a round number
/// (-100..100 by 50, 0..100 by 20, 1..7 by 1); falls back to quarters.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    let count = [5usize, 4, 6, 3, 2].into_iter().find(|&k| is_round(span / k as f64)).unwrap_or(4);
    (0..=count).map(|i| lo + span * i as f64 / count as f64).collect()
}

/// 1, 2, 2.5 or 5 times a power of ten.
fn is_round(step: f64) -> bool {
    let magnitude = 10f64.powf(step.log10().floor());
    let mantissa = step / magnitude;
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-9)
}

fn tick_label(t: &T, v: f64) -> String {
    // `T::num` never writes a minus on a rounded zero, so the axis never reads "-0".
    if v.fract().abs() < 1e-9 { t.num(v.round(), 0) } else { fmt1(t, v) }
}

/// Index ranges of maximal runs where `keep` holds.
fn runs(n: usize, keep: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=n {
        match (start, i < n && keep(i)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// One decimal in the reader's notation, as everywhere in the UI; never "-0.0".
fn fmt1(t: &T, v: f64) -> String {
    t.num(v, 1)
}

/// A coordinate; one decimal is far below a pixel and keeps the markup small.
struct C(f64);

impl Display for C {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.0)
    }
}

/// XML-escapes text for element content and double- or single-quoted
/// attributes.
struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                // XML 1.0 forbids these even escaped; dropping them keeps the
                // document well-formed whatever a respondent typed.
                '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The charts' words in English, as the assertions below read them.
    fn en() -> T {
        T::new(polku_domain::Locale::En)
    }
    use super::*;

    fn pt(label: &str, value: Option<f64>, ci: Option<[f64; 2]>, n: u64) -> TrendPoint {
        TrendPoint { label: label.to_owned(), value, ci, n }
    }

    fn series(values: &[Option<f64>]) -> Vec<TrendPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| pt(&format!("2026-01-{:02}", i + 1), v, v.map(|v| [v - 5.0, v + 5.0]), 10))
            .collect()
    }

    /// Minimal XML well-formedness check: one root, balanced and properly
    /// nested tags, quoted unique attributes, and no raw `<` or stray `&` in
    /// text or attribute values.
    fn assert_well_formed(xml: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = xml;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            if stack.is_empty() {
                assert!(text.trim().is_empty(), "text outside the root: {text:?}");
            }
            check_text(text);
            let gt = lt + rest[lt..].find('>').expect("unterminated tag");
            let tag = &rest[lt + 1..gt];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched close tag");
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.strip_suffix('/').unwrap_or(tag);
                let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
                let name = &body[..name_end];
                assert!(is_name(name), "bad element name {name:?}");
                check_attrs(&body[name_end..]);
                if stack.is_empty() {
                    roots += 1;
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[gt + 1..];
        }
        assert!(rest.trim().is_empty(), "trailing text {rest:?}");
        assert!(stack.is_empty(), "unclosed elements {stack:?}");
        assert_eq!(roots, 1, "exactly one root element");
    }

    fn is_name(s: &str) -> bool {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '_'))
    }

    fn check_attrs(mut s: &str) {
        let mut seen = Vec::new();
        while !s.trim().is_empty() {
            assert!(s.starts_with(char::is_whitespace), "attributes need spaces");
            s = s.trim_start();
            let eq = s.find('=').expect("attribute without value");
            let name = &s[..eq];
            assert!(is_name(name), "bad attribute name {name:?}");
            assert!(!seen.contains(&name), "duplicate attribute {name}");
            seen.push(name);
            let value = s[eq + 1..].strip_prefix('"').expect("unquoted attribute");
            let end = value.find('"').expect("unterminated attribute");
            check_text(&value[..end]);
            s = &value[end + 1..];
        }
    }

    fn check_text(t: &str) {
        assert!(!t.contains('<'), "raw < in {t:?}");
        let mut rest = t;
        while let Some(amp) = rest.find('&') {
            rest = &rest[amp..];
            let semi = rest.find(';').expect("unterminated entity");
            let entity = &rest[1..semi];
            assert!(
                matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos") || entity.starts_with('#'),
                "unknown entity &{entity};"
            );
            rest = &rest[semi..];
        }
    }

    /// Opening tags that start with `prefix`, e.g. `<path class="line"`.
    fn tags<'a>(svg: &'a str, prefix: &str) -> Vec<&'a str> {
        svg.match_indices(prefix).map(|(i, _)| &svg[i..i + svg[i..].find('>').unwrap()]).collect()
    }

    fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
        let key = format!(" {name}=\"");
        let start = tag.find(&key).unwrap_or_else(|| panic!("no {name} in {tag}")) + key.len();
        &tag[start..start + tag[start..].find('"').unwrap()]
    }

    /// Texts of `<text>` elements whose opening tag contains `needle`.
    fn texts<'a>(svg: &'a str, needle: &str) -> Vec<&'a str> {
        svg.match_indices("<text")
            .filter_map(|(i, _)| {
                let open_end = i + svg[i..].find('>').unwrap();
                let close = open_end + svg[open_end..].find("</text>").unwrap();
                svg[i..open_end].contains(needle).then(|| &svg[open_end + 1..close])
            })
            .collect()
    }

    #[test]
    fn empty_trend_is_valid_svg_saying_no_data() {
        for svg in [
            trend_svg(&en(), "NPS", &[], -100.0, 100.0),
            trend_svg(&en(), "NPS", &series(&[None, None]), -100.0, 100.0),
        ] {
            assert_well_formed(&svg);
            assert!(svg.starts_with("<svg "));
            assert_eq!(texts(&svg, "no-data"), ["No data"]);
            assert!(!svg.contains("class=\"line\""));
        }
    }

    #[test]
    fn root_is_accessible_and_responsive() {
        let svg = trend_svg(&en(), "NPS trend", &series(&[Some(10.0)]), -100.0, 100.0);
        let root = tags(&svg, "<svg")[0];
        assert_eq!(attr(root, "role"), "img");
        assert_eq!(attr(root, "aria-label"), "NPS trend");
        assert_eq!(attr(root, "width"), "100%");
        assert_eq!(attr(root, "viewBox"), "0 0 600 240");
        assert!(!root.contains(" height="));
        assert!(svg.contains("<title>NPS trend</title>"));
        assert!(attr(root, "class").contains("chart"));
    }

    #[test]
    fn gap_breaks_the_line() {
        let svg = trend_svg(&en(), "t", &series(&[Some(1.0), Some(2.0), None, Some(3.0), Some(4.0)]), -100.0, 100.0);
        assert_well_formed(&svg);
        let d = attr(tags(&svg, "<path class=\"line\"")[0], "d");
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 2, "{d}");
        assert_eq!(tags(&svg, "<circle class=\"point\"").len(), 4);
        assert_eq!(tags(&svg, "<g class=\"pt gap\"").len(), 1);
        // Every point, gaps included, has a tooltip.
        assert_eq!(svg.matches("<g class=\"pt").count(), 5);
    }

    #[test]
    fn non_finite_values_are_gaps() {
        let svg =
            trend_svg(&en(), "t", &series(&[Some(1.0), Some(f64::NAN), Some(f64::INFINITY), Some(2.0)]), 0.0, 100.0);
        assert_well_formed(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let d = attr(tags(&svg, "<path class=\"line\"")[0], "d");
        assert_eq!(d.matches('M').count(), 2);
    }

    #[test]
    fn band_only_where_ci_exists() {
        let none = trend_svg(&en(), "t", &[pt("a", Some(1.0), None, 3), pt("b", Some(2.0), None, 3)], 0.0, 10.0);
        assert!(!none.contains("class=\"band\""));

        // Interval on points 0, 2 and 3: a lone box plus one polygon over
        // 2..=3, nothing over point 1.
        let points = [
            pt("a", Some(5.0), Some([4.0, 6.0]), 3),
            pt("b", Some(5.0), None, 3),
            pt("c", Some(5.0), Some([4.0, 6.0]), 3),
            pt("d", Some(5.0), Some([4.0, 6.0]), 3),
        ];
        let svg = trend_svg(&en(), "t", &points, 0.0, 10.0);
        assert_well_formed(&svg);
        let d = attr(tags(&svg, "<path class=\"band\"")[0], "d");
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('Z').count(), 2, "{d}");
        // Point b is the second of four evenly spaced points; the band must
        // have no vertex there but must cover c and d.
        let x0 = TREND_LEFT + TREND_INSET;
        let step = (TREND_W - TREND_RIGHT - TREND_INSET - x0) / 3.0;
        let at = |i: f64| format!("{:.1} ", x0 + step * i);
        assert!(!d.contains(&at(1.0)), "{d}");
        assert!(d.contains(&at(2.0)) && d.contains(&at(3.0)), "{d}");
        // The band is under the line and points.
        assert!(svg.find("class=\"band\"").unwrap() < svg.find("class=\"line\"").unwrap());
    }

    #[test]
    fn values_are_clamped_into_range_but_tooltips_are_not() {
        let points =
            [pt("hi", Some(150.0), Some([-300.0, 300.0]), 5), pt("lo", Some(-150.0), Some([-200.0, -120.0]), 5)];
        let svg = trend_svg(&en(), "t", &points, -100.0, 100.0);
        assert_well_formed(&svg);
        let (top, bottom) = (TREND_TOP, TREND_H - TREND_BOTTOM);
        let ys: Vec<f64> = tags(&svg, "<circle").iter().map(|t| attr(t, "cy").parse().unwrap()).collect();
        assert_eq!(ys, [top, bottom]);
        let d = attr(tags(&svg, "<path class=\"band\"")[0], "d");
        for y in d.split(|c: char| c.is_ascii_alphabetic()).filter_map(|seg| seg.split(' ').nth(1)) {
            let y: f64 = y.parse().unwrap();
            assert!((top..=bottom).contains(&y), "{y} outside plot in {d}");
        }
        assert!(svg.contains("<title>hi: 150.0 (95 % CI -300.0–300.0, n = 5)</title>"));
    }

    #[test]
    fn tooltip_format() {
        let svg = trend_svg(
            &en(),
            "t",
            &[
                pt("2026-11-23", Some(42.0), Some([35.14, 48.86]), 120),
                pt("2026-11-30", Some(-0.04), None, 7),
                pt("2026-12-07", None, None, 0),
            ],
            -100.0,
            100.0,
        );
        assert!(svg.contains("<title>2026-11-23: 42.0 (95 % CI 35.1–48.9, n = 120)</title>"));
        assert!(svg.contains("<title>2026-11-30: 0.0 (n = 7)</title>"));
        assert!(svg.contains("<title>2026-12-07: no data (n = 0)</title>"));
    }

    #[test]
    fn text_is_escaped() {
        let nasty = "<b>\"Tom & Jerry's\"</b>\u{1}";
        let escaped = "&lt;b&gt;&quot;Tom &amp; Jerry&apos;s&quot;&lt;/b&gt;";
        let trend = trend_svg(&en(), nasty, &[pt(nasty, Some(1.0), None, 1)], 0.0, 10.0);
        let dist = distribution_svg(&en(), nasty, &[Bar { label: nasty.to_owned(), count: 1, class: "x\"y" }]);
        for svg in [&trend, &dist] {
            assert_well_formed(svg);
            assert!(!svg.contains("<b>") && !svg.contains('\u{1}'));
            assert_eq!(attr(tags(svg, "<svg")[0], "aria-label"), escaped);
            assert!(svg.contains(&format!("<title>{escaped}</title>")));
            assert!(svg.contains(&format!(">{escaped}</text>")));
        }
        assert!(trend.contains(&format!("<title>{escaped}: 1.0 (n = 1)</title>")));
        assert!(dist.contains(&format!("<title>{escaped}: 1 (100.0 %)</title>")));
        assert!(dist.contains("class=\"bar x&quot;y\""));
    }

    #[test]
    fn gridlines_and_zero_line() {
        let y_labels = |lo, hi| {
            let svg = trend_svg(&en(), "t", &series(&[Some(1.0), Some(2.0)]), lo, hi);
            assert_well_formed(&svg);
            let start = svg.find("axis-label y").unwrap();
            let group = &svg[start..start + svg[start..].find("</g>").unwrap()];
            let labels: Vec<String> = texts(group, "dy").iter().map(|s| (*s).to_owned()).collect();
            (labels, svg.contains("class=\"zero\""))
        };
        let (nps, zero) = y_labels(-100.0, 100.0);
        assert_eq!(nps, ["-100", "-50", "0", "50", "100"]);
        assert!(zero);
        let (csat, zero) = y_labels(0.0, 100.0);
        assert_eq!(csat, ["0", "20", "40", "60", "80", "100"]);
        assert!(!zero);
        let (ces, _) = y_labels(1.0, 7.0);
        assert_eq!(ces, ["1", "2", "3", "4", "5", "6", "7"]);
    }

    #[test]
    fn odd_ranges_do_not_panic() {
        for (lo, hi) in [(100.0, -100.0), (5.0, 5.0), (f64::NAN, 1.0), (0.0, 0.3)] {
            let svg = trend_svg(&en(), "t", &series(&[Some(1.0), Some(2.0)]), lo, hi);
            assert_well_formed(&svg);
            assert!(!svg.contains("NaN"));
        }
    }

    #[test]
    fn x_labels_are_thinned_and_keep_the_latest() {
        for n in [1, 7, 8, 9, 20, 52, 365] {
            let values: Vec<Option<f64>> = (0..n).map(|i| Some(i as f64 % 50.0)).collect();
            let points: Vec<TrendPoint> =
                values.iter().enumerate().map(|(i, &v)| pt(&format!("L{i}"), v, None, 1)).collect();
            let svg = trend_svg(&en(), "t", &points, 0.0, 100.0);
            assert_well_formed(&svg);
            let start = svg.find("axis-label x").unwrap();
            let group = &svg[start..];
            let labels = texts(group, "<text");
            assert!(!labels.is_empty() && labels.len() <= MAX_X_LABELS, "{n}");
            assert_eq!(*labels.last().unwrap(), format!("L{}", n - 1));
            if n <= MAX_X_LABELS {
                assert_eq!(labels.len(), n);
            }
        }
    }

    #[test]
    fn single_point_is_centred() {
        let svg = trend_svg(&en(), "t", &series(&[Some(50.0)]), 0.0, 100.0);
        assert_well_formed(&svg);
        let c = tags(&svg, "<circle")[0];
        let centre = (TREND_LEFT + TREND_W - TREND_RIGHT) / 2.0;
        assert_eq!(attr(c, "cx"), format!("{centre:.1}"));
        assert!(svg.contains("class=\"band\""));
    }

    fn nps_bars(counts: [u64; 11]) -> Vec<Bar> {
        counts
            .iter()
            .enumerate()
            .map(|(score, &count)| Bar {
                label: score.to_string(),
                count,
                class: match score {
                    0..=6 => "detractor",
                    7 | 8 => "passive",
                    _ => "promoter",
                },
            })
            .collect()
    }

    #[test]
    fn distribution_bars_counts_and_tooltips() {
        let svg = distribution_svg(&en(), "Scores", &nps_bars([1, 0, 0, 0, 0, 0, 1, 2, 4, 8, 4]));
        assert_well_formed(&svg);
        assert!(svg.contains("class=\"chart chart-dist\""));
        assert_eq!(tags(&svg, "<rect class=\"bar ").len(), 11);
        assert_eq!(tags(&svg, "<rect class=\"bar promoter\"").len(), 2);
        assert_eq!(tags(&svg, "<rect class=\"bar detractor\"").len(), 7);
        assert!(svg.contains("<title>9: 8 (40.0 %)</title>"));
        assert!(svg.contains("<title>1: 0 (0.0 %)</title>"));
        assert_eq!(texts(&svg, "bar-value"), ["1", "0", "0", "0", "0", "0", "1", "2", "4", "8", "4"]);
        // The largest bar fills the plot height.
        let tallest = tags(&svg, "<rect class=\"bar promoter\"")[0];
        assert_eq!(attr(tallest, "y"), format!("{DIST_TOP:.1}"));
    }

    #[test]
    fn distribution_edge_cases() {
        let empty = distribution_svg(&en(), "Scores", &[]);
        assert_well_formed(&empty);
        assert_eq!(texts(&empty, "no-data"), ["No data"]);

        let zeros = distribution_svg(&en(), "Scores", &nps_bars([0; 11]));
        assert_well_formed(&zeros);
        assert!(!zeros.contains("NaN"));
        assert!(zeros.contains("<title>10: 0 (0.0 %)</title>"));
    }
}

#!/usr/bin/env bash
# Text-analysis quality behind BENCHMARKS.md: `polku eval-text` on the hand-labelled set in data/text-eval/,
# then on text nobody here wrote: the 3,708 Amazon review sentences of Hutto & Gilbert (2014), each rated
# by humans from −4 to +4 (the mean of ten raters), shipped with the source package of vadersentiment 3.3.2
# (MIT). That file is downloaded here, never committed.
#
# Labels for the Amazon sentences: positive when the mean rating is at least +0.5, negative when at most
# −0.5, neutral in between; the mean itself goes to the `rating` column, so the report also gives the
# Pearson correlation between it and Polku's score.
#
# Usage: scripts/eval-text.sh [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
json=${1:-}
work=$(mktemp -d /tmp/polku-eval-text.XXXXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release -p polku >&2
polku=target/release/polku

echo "== data/text-eval/comments.csv (hand-labelled, 315 comments per language)"
"$polku" eval-text data/text-eval/comments.csv $json

echo
echo "== Hutto & Gilbert (2014) Amazon review sentences (English, labelled by 10 raters each)"
python3 -m pip download --quiet --no-deps --no-binary :all: vadersentiment==3.3.2 -d "$work" >&2
tar -xzf "$work"/vaderSentiment-3.3.2.tar.gz -C "$work"
tar -xzf "$work"/vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz -C "$work"
python3 - "$work/hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt" "$work/amazon.csv" <<'PY'
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
n = 0
with open(src, encoding="utf-8", errors="replace") as f, open(dst, "w", newline="", encoding="utf-8") as out:
    w = csv.writer(out)
    w.writerow(["text", "language", "label", "rating"])
    for line in f:
        parts = line.rstrip("\r\n").split("\t", 2)
        if len(parts) != 3:
            continue
        mean = float(parts[1])
        label = "positive" if mean >= 0.5 else "negative" if mean <= -0.5 else "neutral"
        w.writerow([parts[2], "en", label, mean])
        n += 1
print(f"{n} sentences", file=sys.stderr)
PY
"$polku" eval-text "$work/amazon.csv" $json

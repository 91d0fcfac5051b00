#!/usr/bin/env python3
"""Licence check of the dependency tree: every crate Cargo resolves must be usable in an AGPL-3.0-or-later
program. Reads `cargo metadata`, evaluates each package's SPDX expression (AND, OR, WITH, parentheses; the
old `/` means OR) against the allow-list below, and exits non-zero naming every package that fails.

This is the licence part of cargo-deny (`deny.toml` [licenses]) in 80 lines of the Python the test script
already needs: building cargo-deny from crates.io costs several minutes of CI on two cores. Usage:
scripts/licences.py [--list]   (--list prints each licence expression and how many crates use it)
"""
import json
import re
import subprocess
import sys
from collections import Counter

# Licences compatible with distributing Polku under AGPL-3.0-or-later (FSF's list of GPL-compatible
# licences; Apache-2.0 is compatible with GPL-3 and so with AGPL-3). Each is here because a crate uses it.
ALLOWED = {
    "AGPL-3.0-or-later",  # Polku's own crates
    "MIT",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "0BSD",
    "Unlicense",
    "BSL-1.0",
    "Unicode-3.0",
    "CDLA-Permissive-2.0",  # webpki-roots' data: permissive, attribution only
    "MPL-2.0",
    "LGPL-2.1-or-later",
}

# Packages without an SPDX `license` field, each with the licence its licence file states.
CLARIFIED = {}


def tokens(expr):
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+", expr.replace("/", " OR "))


def allowed(expr):
    """Whether the SPDX expression can be satisfied with allowed licences."""
    toks = tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        if peek() == "(":
            take()
            v = disjunction()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expr!r}")
            return v
        lic = take()
        if peek() == "WITH":
            take()
            lic = f"{lic} WITH {take()}"
        return lic in ALLOWED or lic.rstrip("+") in ALLOWED

    def conjunction():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "OR":
            take()
            v = conjunction() or v
        return v

    result = disjunction()
    if pos != len(toks):
        raise ValueError(f"cannot read licence expression {expr!r}")
    return result


def self_test():
    """The evaluator itself, checked on every run so that a broken parser cannot pass everything."""
    cases = {
        "MIT": True, "GPL-3.0-only": False, "GPL-2.0-only OR MIT": True, "MIT AND GPL-2.0-only": False,
        "(MIT OR Apache-2.0) AND Unicode-3.0": True, "Apache-2.0 WITH LLVM-exception OR Apache-2.0": True,
        "MIT/BSD-3-Clause": True, "SSPL-1.0": False, "(SSPL-1.0 OR BUSL-1.1) AND MIT": False,
    }
    for expr, want in cases.items():
        assert allowed(expr) == want, f"licence evaluator is wrong on {expr!r}"


def main():
    self_test()
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"], check=True, capture_output=True, text=True
    ).stdout)
    bad, counts = [], Counter()
    for p in meta["packages"]:
        expr = p.get("license") or CLARIFIED.get(p["name"])
        counts[expr] += 1
        if not expr:
            bad.append(f"{p['name']} {p['version']}: no SPDX licence (licence file: {p.get('license_file')})")
        elif not allowed(expr):
            bad.append(f"{p['name']} {p['version']}: {expr}")
    if "--list" in sys.argv:
        for expr, n in counts.most_common():
            print(f"{n:4} {expr}")
    if bad:
        print("licences not allowed for an AGPL-3.0-or-later program (scripts/licences.py):", file=sys.stderr)
        for b in bad:
            print(f"  {b}", file=sys.stderr)
        sys.exit(1)
    print(f"licences: {len(meta['packages'])} crates, all allowed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The first page's download against its budget.

Usage: python3 scripts/bundle_budget.py [SITE_ROOT] [BUDGET_BYTES]

Reads a release site (scripts/lib.sh `build_site_release`): its hash.txt
names the files every page loads first (web.js, web.wasm, the chunk loader
and the stylesheet); their gzip twins are what a browser downloads. Prints
each, the total against the budget (350 KB gzip, ConsoleMe's UI being
716 KB), and what each lazy page adds when opened first (its chunks, from
the preload manifest). Exits 1 above the budget.
"""
import json
import os
import sys

BUDGET = 350_000


def gz_size(pkg, name):
    path = os.path.join(pkg, name + ".gz")
    if not os.path.isfile(path):
        sys.exit(f"bundle_budget: {path} is missing (is {pkg} a release site?)")
    return os.path.getsize(path)


def main():
    site = sys.argv[1] if len(sys.argv) > 1 else "target/site"
    budget = int(sys.argv[2]) if len(sys.argv) > 2 else BUDGET
    pkg = os.path.join(site, "pkg")
    try:
        with open(os.path.join(site, "hash.txt")) as f:
            hashes = dict(
                (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in f if ":" in line)
            )
    except FileNotFoundError:
        sys.exit(f"bundle_budget: {site}/hash.txt is missing: build the release site first")
    first = [f"web.{hashes['js']}.js", f"web.{hashes['wasm']}.wasm", f"web.{hashes['css']}.css"]
    if "split" in hashes:
        first.append(f"__wasm_split.{hashes['split']}.js")
    print("first page (every page loads these), gzip:")
    total = 0
    for name in first:
        size = gz_size(pkg, name)
        total += size
        print(f"  {name:<48} {size:>9,} B")
    verdict = "within" if total <= budget else "OVER"
    print(f"  {'total':<48} {total:>9,} B  {verdict} the budget of {budget:,} B")

    if "manifest" in hashes:
        with open(os.path.join(pkg, f"__wasm_split_manifest.{hashes['manifest']}.json")) as f:
            manifest = json.load(f)
        print("a lazy page opened first adds, gzip:")
        for point, chunks in sorted(manifest.items()):
            extra = sum(gz_size(pkg, c + ".wasm") for c in chunks)
            page = point.strip("_").removesuffix("_view").rsplit("_view_", 1)[0]
            print(f"  {page:<48} {extra:>9,} B in {len(chunks)} chunks")
    if total > budget:
        print(f"bundle_budget: the first page is {total - budget:,} B over budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Compares the query latency of two builds, A and B (each on its own index), for a set of
# queries: the two run alternately, ROUNDS times each, 5 timed passes a run, and every query's
# 10th percentile and median over all its samples are printed with B/A, then every sample of
# each build pooled (p50 / p95 / p99, as the peers harness reports).
#
#   scripts/ab-bench.sh A_BINARY A_INDEX B_BINARY B_INDEX [ROUNDS] [QUERIES]
#       (defaults: 20 rounds, ../shared/corpus/queries-laws.txt)
#
# Alternating run by run keeps the machine's speed swings (up to 2× within minutes on a shared
# VM) out of the ratio better than a few long runs: an A/A comparison of the heavy measure
# queries over 20 rounds agreed within 1% (p10) and 2% (median); over 3 rounds in a noisy
# phase, only within 12%. What it cannot remove is code layout: two
# builds of the same code, one with an unused function added, differed by 5–9% on those
# queries. So a change of the query code is worth believing above about 10%, or across
# several builds; a change of the index data alone (the same binary on two indexes, or two
# binaries that differ only in the writer) is not subject to that.
set -euo pipefail
a=$1; ai=$2; b=$3; bi=$4; rounds=${5:-20}; queries=${6:-../shared/corpus/queries-laws.txt}
work=$(mktemp -d /tmp/kensaku-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
    "$a" bench --index "$ai" --queries "$queries" --repeat 5 --warmup 1 >> "$work/a.jsonl"
    "$b" bench --index "$bi" --queries "$queries" --repeat 5 --warmup 1 >> "$work/b.jsonl"
done
python3 - "$work/a.jsonl" "$work/b.jsonl" <<'PY'
import json, sys
def load(path):
    runs = {}
    for line in open(path):
        r = json.loads(line)
        q = runs.setdefault(r["query"], {"lat": [], "answers": set()})
        q["lat"] += r["lat_us"]
        q["answers"].add((r["hits"], tuple(r["top"])))
    return runs
a, b = load(sys.argv[1]), load(sys.argv[2])
def at(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print(f"{'query':<28} {'A p10':>8} {'B p10':>8} {'B/A':>6}  {'A p50':>8} {'B p50':>8} {'B/A':>6}")
for q in a:
    same = "" if a[q]["answers"] == b.get(q, {}).get("answers") else "  DIFFERENT ANSWERS"
    a10, b10, a50, b50 = at(a[q]["lat"], .1), at(b[q]["lat"], .1), at(a[q]["lat"], .5), at(b[q]["lat"], .5)
    print(f"{q:<28} {a10:8.0f} {b10:8.0f} {b10 / a10:6.3f}  {a50:8.0f} {b50:8.0f} {b50 / a50:6.3f}{same}")
# Every sample of every query pooled, as the peers harness reports them.
pa, pb = [x for q in a.values() for x in q["lat"]], [x for q in b.values() for x in q["lat"]]
print("pooled p50 / p95 / p99:  A " + " / ".join(f"{at(pa, p):.0f}" for p in (.5, .95, .99))
      + "   B " + " / ".join(f"{at(pb, p):.0f}" for p in (.5, .95, .99)))
PY

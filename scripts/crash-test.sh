#!/usr/bin/env bash
# Kills `kensaku index build` with SIGKILL at random points over an existing index, TRIALS
# times, and checks each time that the old index still verifies and answers the same queries.
# Also checks that searches keep answering while the index is rebuilt in place, and that an
# unwritable target fails cleanly.
#
#   scripts/crash-test.sh [TRIALS] [CORPUS]     (defaults: 20, a 20 MB slice of the law corpus,
#                                                 else the seed report repeated)
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20}
work=$(mktemp -d /tmp/kensaku-crash.XXXXXX)
trap 'rm -rf "$work"' EXIT
swift build -c release >/dev/null
bin=.build/release/kensaku

corpus=${2:-}
if [ -z "$corpus" ]; then
    if [ -f ../shared/corpus/laws2013.main.jsonl.zst ]; then
        { zstd -dc ../shared/corpus/laws2013.main.jsonl.zst 2>/dev/null || true; } | head -c 20000000 | head -n -1 > "$work/corpus.jsonl"
    else
        for i in $(seq 1 200); do
            sed "s/^/$i /" Index/follow-up-2011.tsv
        done | awk -v OFS='' 'NF { gsub(/"/, ""); print "{\"id\":\"d", NR, "\",\"title\":\"t\",\"body\":\"", $0, "\"}" }' > "$work/corpus.jsonl"
    fi
    corpus="$work/corpus.jsonl"
fi
queries=(保護 "法律 施行" 第一条 "\"政令で定める\"" 罪)
answers() { for q in "${queries[@]}"; do "$bin" search --index "$1" --json --limit 5 $q | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], [h["id"] for h in d["hits"]])' || true; done; }

"$bin" index build --corpus "$corpus" --index "$work/idx" --quiet
answers "$work/idx" > "$work/expected"
start=$(date +%s.%N)
"$bin" index build --corpus "$corpus" --index "$work/full" --quiet
full=$(python3 -c "import time; print(time.time() - $start)")

passed=0
for t in $(seq 1 "$trials"); do
    delay=$(python3 -c "import random; print(round(random.uniform(0.05, $full), 3))")
    "$bin" index build --corpus "$corpus" --index "$work/idx" --quiet &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if "$bin" index verify --index "$work/idx" >/dev/null && diff -q <(answers "$work/idx") "$work/expected" >/dev/null; then
        passed=$((passed + 1))
    else
        echo "trial $t (kill after ${delay}s): the index did not survive" >&2
    fi
done
echo "kill trials: $passed passed, $((trials - passed)) failed"

# Searches during a rebuild into the same directory see the old index or the new one.
"$bin" index build --corpus "$corpus" --index "$work/idx" --quiet &
pid=$!
searches=0 bad=0
while kill -0 "$pid" 2>/dev/null; do
    out=$("$bin" search --index "$work/idx" --json --limit 1 保護 2>&1) || { bad=$((bad + 1)); echo "search failed during rebuild: $out" >&2; }
    searches=$((searches + 1))
done
wait "$pid"
echo "searches during rebuild: $((searches - bad)) passed, $bad failed"

# An unwritable target fails with a clear error and leaves the old index.
chmod a-w "$work/idx"
if [ "$(id -u)" != 0 ] && "$bin" index build --corpus "$corpus" --index "$work/idx" --quiet 2>"$work/err"; then
    echo "unwritable target: build unexpectedly succeeded" >&2; bad=$((bad + 1))
fi
chmod u+w "$work/idx"
"$bin" index verify --index "$work/idx" >/dev/null

# A full disk: an index on a small tmpfs (when mounting is allowed) gets a clear error on rebuild
# from a larger corpus, and keeps its old index.
mkdir -p "$work/small"
if mount -t tmpfs -o size=1m tmpfs "$work/small" 2>/dev/null; then
    "$bin" index build --corpus Index/follow-up-2011.tsv --index "$work/small/idx" --quiet
    before=$(answers "$work/small/idx")
    if "$bin" index build --corpus "$corpus" --index "$work/small/idx" --quiet 2>"$work/err"; then
        echo "full disk: build unexpectedly succeeded" >&2; bad=$((bad + 1))
    else
        echo "full disk: $(tail -1 "$work/err")"
        "$bin" index verify --index "$work/small/idx" >/dev/null && [ "$before" = "$(answers "$work/small/idx")" ] \
            || { echo "full disk: the old index did not survive" >&2; bad=$((bad + 1)); }
        leftovers=$(ls -A "$work/small/idx" | grep -v -E '^(manifest.json|g000001\..*|\.lock)$' || true)
        [ -z "$leftovers" ] || { echo "full disk: left behind: $leftovers" >&2; bad=$((bad + 1)); }
    fi
    umount "$work/small"
else
    echo "full disk: skipped (cannot mount a tmpfs here)"
fi
[ "$passed" -eq "$trials" ] && [ "$bad" -eq 0 ]

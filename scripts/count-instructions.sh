#!/usr/bin/env bash
# Counts the instructions a build spends per query (valgrind's callgrind), overall and in its
# busiest functions: a deterministic figure, where wall-clock comparisons on this 2-vCPU VM
# swing by up to 2× within minutes (see scripts/ab-bench.sh).
#
#   scripts/count-instructions.sh BINARY INDEX QUERIES [PASSES]   (default: 20 passes)
#
# Runs `kensaku bench` on one thread twice, with 1 and with 1 + PASSES timed passes, and
# prints the difference divided by PASSES × queries: start-up and the index's opening cancel
# out. The binary is copied without its debug info first (callgrind cannot read the DWARF
# that this Swift toolchain writes), keeping its symbols.
#
# Fewer instructions are not always less time: a merge whose steps branch on the data ran
# 6% fewer instructions and 4–17% slower than the branch-free one it would have replaced.
# Use it to see where the work goes and to check that a change removes what it meant to,
# and scripts/ab-bench.sh for the time.
set -euo pipefail
binary=$1; index=$2; queries=$3; passes=${4:-20}
work=$(mktemp -d /tmp/kensaku-instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT
objcopy --strip-debug "$binary" "$work/kensaku"
for repeat in 1 $((passes + 1)); do
    # (Deterministic hashing: Swift seeds its hash tables per process, which otherwise moves
    # the count by about 0.5% from run to run.)
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$work/cg.$repeat" \
        "$work/kensaku" bench --index "$index" --queries "$queries" --repeat "$repeat" --warmup 0 --threads 1 \
        > /dev/null 2> "$work/valgrind.$repeat.log"
done
python3 - "$work/cg.1" "$work/cg.$((passes + 1))" "$queries" "$passes" <<'PY'
import re, subprocess, sys
def functions(path):
    out = subprocess.run(["callgrind_annotate", path], capture_output=True, text=True, check=True).stdout
    counts = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(\S.*)", line)
        if m:
            name = re.sub(r"\s*\[[^\]]*\]\s*$", "", m.group(2))
            counts[name] = counts.get(name, 0) + int(m.group(1).replace(",", ""))
    return counts
one, many = functions(sys.argv[1]), functions(sys.argv[2])
queries = sum(1 for line in open(sys.argv[3], encoding="utf-8") if line.strip() and not line.startswith("#"))
scale = int(sys.argv[4]) * queries
total = (many["PROGRAM TOTALS"] - one["PROGRAM TOTALS"]) / scale
print(f"{total / 1000:.1f} K instructions a query ({queries} queries, {sys.argv[4]} passes)")
rows = sorted(((many[k] - one.get(k, 0)) / scale, k.removeprefix("???:")) for k in many if k != "PROGRAM TOTALS")[-15:]
try:  # Swift symbols demangled, shortened
    names = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(n for _, n in rows),
                           capture_output=True, text=True, check=True).stdout.splitlines()
except (OSError, subprocess.CalledProcessError):
    names = [n for _, n in rows]
for (count, _), name in reversed(list(zip(rows, names))):
    print(f"{100 * count / total:6.1f}% {count / 1000:8.1f} K  {name[:110]}")
PY

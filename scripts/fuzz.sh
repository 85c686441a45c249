#!/usr/bin/env bash
# Seeded, mutation-based fuzzing of Kensaku (see Sources/kensaku-fuzz): builds `kensaku-fuzz`
# in release mode and runs every target (analyzer, query, jsonl, followup, reader) for
# SECONDS_PER_TARGET seconds, one child process per batch of inputs, so that a trap or a hang
# is caught and reported with the seed and input number that reproduce it. Prints a summary
# table (target, executions, error kinds, crashes, hangs, invariant violations) and every
# finding with its `kensaku-fuzz repro` command; the log and saved inputs go to
# /tmp/kensaku-fuzz-SEED (or --out DIR). Exit status: 0 clean, 1 findings, 2 other failure.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [kensaku-fuzz run options]      (default: 60)
#   scripts/fuzz.sh 30 --seed 42 --targets query,reader --input-timeout 5
#
# Reproduce a finding:  .build-fuzz/release/kensaku-fuzz repro --target T --seed S --input I [--save DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
swift build -c release --scratch-path .build-fuzz --product kensaku-fuzz >&2 || exit 2
bin="$(swift build -c release --scratch-path .build-fuzz --show-bin-path)/kensaku-fuzz"
exec "$bin" run --seconds "$seconds" "$@"

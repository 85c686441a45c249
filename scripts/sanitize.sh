#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer, then UndefinedBehaviorSanitizer (each in its own
# scratch path, .build-asan and .build-ubsan), and reports for each whether it came out clean:
# no sanitizer report in the output, and every test passed. Logs go to $SANITIZE_LOGS
# (default /tmp/kensaku-sanitize). Exit status: 0 when both are clean.
#
#   scripts/sanitize.sh [swift test options, e.g. --filter HostileInput]
#
# ASan stops at the first error (halt_on_error); leak checking is off by default, since the
# Swift runtime and Foundation keep caches alive until exit (set ASAN_OPTIONS to change).
# UBSan reports every error and goes on; its reports are counted from the log. On Linux, swiftc
# rejects -sanitize=undefined ("unsupported option … for target x86_64-unknown-linux-gnu"); Swift
# code traps on overflow and out-of-bounds access by itself, so UBSan then instruments the C shims
# (CKensakuICU, CKensakuZ): -Xcc -fsanitize=undefined, linked through clang with its runtime.
# SANITIZERS="address" or "undefined" runs one of the two.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=${SANITIZE_LOGS:-/tmp/kensaku-sanitize}
mkdir -p "$logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# The single-document test indexes 20 MB by default; 8 MB keeps it within minutes under ASan.
export KENSAKU_HOSTILE_DOC_MB=${KENSAKU_HOSTILE_DOC_MB:-8}
overall=0
summary=()
for sanitizer in ${SANITIZERS:-address undefined}; do
    case $sanitizer in
        address) scratch=.build-asan; name=ASan ;;
        undefined) scratch=.build-ubsan; name=UBSan ;;
    esac
    log="$logs/$sanitizer.log"
    echo "== $name: swift test --sanitize=$sanitizer --scratch-path $scratch (log: $log)" >&2
    start=$(date +%s)
    swift test --sanitize="$sanitizer" --scratch-path "$scratch" "$@" >"$log" 2>&1
    rc=$?
    if [ "$sanitizer" = undefined ] && grep -q "unsupported option '-sanitize=undefined'" "$log"; then
        name="UBSan (C)"
        echo "   swiftc has no -sanitize=undefined here: instrumenting the C targets instead" >&2
        swift test --scratch-path "$scratch" -Xcc -fsanitize=undefined -Xcc -fno-omit-frame-pointer \
            -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined "$@" >"$log" 2>&1
        rc=$?
    fi
    elapsed=$(( $(date +%s) - start ))
    reports=$(grep -cE "ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer" "$log" || true)
    tests=$(grep -E "Test run with [0-9]+ tests? .*(passed|failed)" "$log" | tail -1 | sed -E 's/^[^A-Za-z]*//')
    [ -z "$tests" ] && tests="no swift-testing summary (build failed or the run crashed; see the log)"
    if [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ]; then
        verdict="clean"
    else
        verdict="NOT clean (exit $rc, $reports sanitizer report lines)"
        overall=1
        grep -m 5 -E "ERROR: AddressSanitizer|runtime error:|SUMMARY:|Fatal error|error:" "$log" | sed 's/^/    /' >&2 || true
    fi
    summary+=("$(printf '%-9s %-55s %5ds  %s' "$name" "$verdict" "$elapsed" "$tests")")
done
echo
printf '%s\n' "${summary[@]}"
exit $overall

#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Fuzz/Package.swift (every module instrumented with
# -sanitize=fuzzer,address) and runs each for FUZZ_RUNS executions (default 20000) or FUZZ_SECONDS
# (default 30), whichever comes first, starting from
# its seed corpus in Fuzz/Corpus/TARGET plus whatever earlier runs found (.build-fuzz/corpus/).
# A crash, a leak outside TOMLKit, a timeout or an out-of-memory stops the run: the input is kept in
# .build-fuzz/crashes/TARGET/ — copy it to Fuzz/Regressions/TARGET/ (replayed by `make test`).
#
#   make fuzz                         the CI run
#   FUZZ_RUNS=2000000 FUZZ_SECONDS=600 make fuzz   longer, by hand
#   FUZZ_TARGETS="fuzz-patterns" …    some targets only
#   FUZZ_REPORT=docs/fuzz-results.md  also write the results table there
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${FUZZ_RUNS:-20000}
seconds=${FUZZ_SECONDS:-30}     # and at most this long per target
# A crash goes straight to libFuzzer, which keeps the input; Swift's own backtracer would wait on
# the dying process.
export SWIFT_BACKTRACE=enable=no
targets=${FUZZ_TARGETS:-fuzz-patterns fuzz-board-profile fuzz-run-spec fuzz-api-requests fuzz-log-segment}
build=.build-fuzz

echo "==> building the fuzz targets (-sanitize=fuzzer,address)"
swift build -c debug --package-path Fuzz --scratch-path "$build" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 \
    | grep -v -e "Cannot export local symbol" -e "^\[" -e "unhandled; explicitly declare" -e "CMakeLists.txt" || true
[ -x "$build/debug/fuzz-patterns" ] || { echo "make fuzz: the fuzz targets did not build" >&2; exit 1; }

table="| target | input | executions | exec/s | corpus | crashes |\n|---|---|---|---|---|---|\n"
failed=0
for target in $targets; do
    corpus="$build/corpus/$target" crashes="$build/crashes/$target"
    rm -rf "$crashes"
    mkdir -p "$corpus" "$crashes"
    # TOMLKit 0.6.0 never frees a parsed table (TOMLTable has no deinit): leak checks off where
    # TOML is parsed, on everywhere else.
    leaks=1
    case $target in fuzz-board-profile|fuzz-run-spec) leaks=0 ;; esac
    case $target in
        fuzz-patterns) input="pattern files: text grid, PBM (P1/P4), JSON" ;;
        fuzz-board-profile) input="board profiles (TOML) through every check" ;;
        fuzz-run-spec) input="run spec files (TOML, JSON)" ;;
        fuzz-api-requests) input="API request bodies: pattern sets, run specs" ;;
        fuzz-log-segment) input="event log segments: recovery and reads" ;;
        *) input="$target" ;;
    esac
    echo "==> $target: $runs executions or ${seconds} s"
    if output=$(ASAN_OPTIONS="detect_leaks=$leaks" "$build/debug/$target" -runs="$runs" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -detect_leaks=$leaks \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "Fuzz/Corpus/$target" 2>&1); then
        found=0
    else
        found=1
        failed=1
        echo "$output" | grep -E "ERROR|SUMMARY|Test unit written|fatal|Fatal" | head -20
    fi
    executed=$(echo "$output" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n 1)
    speed=$(echo "$output" | sed -n 's/^stat::average_exec_per_sec: *//p' | tail -n 1)
    size=$(ls "$corpus" | wc -l)
    echo "    ${executed:-?} executions, ${speed:-?}/s, corpus $size, crashes $found"
    table+="| $target | $input | ${executed:-?} | ${speed:-?} | $size | $found |\n"
done
echo
printf "%b" "$table"
# FUZZ_REPORT=docs/reliability.md puts the table between its fuzz markers; any other file gets it whole.
if [ -n "${FUZZ_REPORT:-}" ]; then
    printf "%b" "$table" > "$build/fuzz-table.md"
    python3 - "$FUZZ_REPORT" "$build/fuzz-table.md" "$runs" "$seconds" <<'PYTHON'
import sys, datetime
path, table_path, runs, seconds = sys.argv[1:]
table = open(table_path).read()
stamp = f"Last run {datetime.date.today()}: up to {runs} executions or {seconds} s per target (`FUZZ_RUNS={runs} FUZZ_SECONDS={seconds} FUZZ_REPORT={path} Fuzz/run.sh`).\n\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
begin, end = "<!-- fuzz:begin -->", "<!-- fuzz:end -->"
if begin in text and end in text:
    text = text[: text.index(begin) + len(begin)] + "\n" + stamp + table + text[text.index(end):]
else:
    text = stamp + table
open(path, "w").write(text)
PYTHON
fi
[ $failed = 0 ] || { echo "make fuzz: a target failed; its input is in $build/crashes/" >&2; exit 1; }

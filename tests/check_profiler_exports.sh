#!/usr/bin/env bash
# Checks the profiler's exports with real parsers:
#   JSON  - jq and python3's json (fields of the seed, figures that agree)
#   CSV   - python3's csv (header, every row four fields, figures = JSON's)
#   Prometheus - promtool check metrics (Debian package 'prometheus')
#   HTML  - headless chromium (Debian package 'chromium'): the page's script
#           reports into <div id="status"> the panels it drew with data and
#           the errors it caught; no console message may appear.
# A missing tool fails the test (CI installs them through .ci/setup).
#
#   check_profiler_exports.sh DRIVER OUTDIR
set -uo pipefail
driver=$1
out=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

for tool in jq python3 promtool chromium timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "$tool is not installed (Debian: jq, python3, prometheus, chromium, coreutils; run .ci/setup)"
done

rm -rf "$out" && mkdir -p "$out" || fail "cannot create $out"
"$driver" "$out" || fail "driver $driver failed"
for f in report.json report.csv report.html report.prom; do
  [ -s "$out/$f" ] || fail "$out/$f missing or empty"
done

# ---- JSON -------------------------------------------------------------------------
jq -e '
  (.alloc_count > 0) and (.free_count > 0) and (.alloc_bytes > 0)
  and (.size_histogram.total_count == .alloc_count)
  and ((.size_histogram.buckets | length) >= 5)
  and ((.size_histogram.hot_sizes | length) == 5)
  and (.peak_allocated >= .current_allocated) and (.peak_time >= 0)
  and (.alloc_rate > 0) and (.free_rate > 0) and (.bytes_rate > 0)
  and (.alloc_latency_p50 > 0) and (.alloc_latency_p50 <= .alloc_latency_p95)
  and (.alloc_latency_p95 <= .alloc_latency_p99) and (.alloc_latency_p99 <= .alloc_latency_p999)
  and (.free_latency_p50 > 0) and (.free_latency_p999 >= .free_latency_p50)
  and (.cross_thread_free_count == 80000) and (.cross_thread_free_pct > 0)
  and ((.thread_stats | length) >= 3)
  and ([.thread_stats[] | select(.thread_name == "producer") | .cross_thread_frees_sent] | add == 80000)
  and ([.thread_stats[] | select(.thread_name == "consumer") | .cross_thread_frees_received] | add == 80000)
  and (.fragmentation.internal_fragmentation >= 0) and (.fragmentation.internal_fragmentation < 1)
  and (.fragmentation.internal_fragmentation > 0 or .fragmentation.source == "sanitizer allocator")
  and (.fragmentation | has("external_fragmentation") and has("largest_free_block") and has("free_block_count") and has("utilization"))
  and (.leak_count == 3) and (.leaked_bytes == 1200)
  and ((.leaked_allocations | length) == 3)
  and ([.leaked_allocations[] | .stack_trace[0] | test("export_leaky_function")] | all)
  and (.leaked_allocations[0] | has("ptr") and has("size") and has("timestamp") and has("thread_id"))
  and ((.timeline | length) >= 8)
  and ((.recommendations | length) >= 1)
  and (.duration_seconds > 0) and (.start_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))
  and (.end_time | type == "string")
' "$out/report.json" >/dev/null || fail "report.json: jq checks failed"

python3 - "$out" <<'EOF' || fail "python checks of JSON/CSV failed"
import csv, json, math, sys
out = sys.argv[1]
r = json.load(open(out + "/report.json"))
seed = ["alloc_count", "free_count", "alloc_bytes", "free_bytes", "current_allocated", "peak_allocated",
        "alloc_rate", "free_rate", "bytes_rate",
        "alloc_latency_p50", "alloc_latency_p95", "alloc_latency_p99", "alloc_latency_p999",
        "free_latency_p50", "free_latency_p95", "free_latency_p99", "free_latency_p999",
        "cross_thread_free_count", "cross_thread_free_pct", "size_histogram", "thread_stats", "fragmentation",
        "leaked_allocations", "leaked_bytes", "duration_seconds", "start_time", "end_time"]
missing = [k for k in seed if k not in r]
assert not missing, missing
for k in ["thread_id", "thread_name", "alloc_count", "free_count", "alloc_bytes", "free_bytes",
          "cross_thread_frees_sent", "cross_thread_frees_received"]:
    assert k in r["thread_stats"][0], k
for k in ["buckets", "total_count", "total_bytes"]:
    assert k in r["size_histogram"], k
assert sum(r["size_histogram"]["buckets"].values()) == r["size_histogram"]["total_count"]
rows = list(csv.reader(open(out + "/report.csv", newline="")))
assert rows[0] == ["section", "name", "key", "value"], rows[0]
assert all(len(row) == 4 for row in rows), [row for row in rows if len(row) != 4][:3]
summ = {row[1]: row[3] for row in rows if row[0] == "summary"}
for k in ["alloc_count", "free_count", "alloc_bytes", "free_bytes", "current_allocated", "peak_allocated",
          "cross_thread_free_count", "leaked_bytes"]:
    assert int(summ[k]) == r[k], (k, summ[k], r[k])
for k in ["alloc_latency_p99", "free_latency_p50", "alloc_rate"]:
    assert math.isclose(float(summ[k]), r[k], rel_tol=1e-6), (k, summ[k], r[k])
hist = {row[2]: int(row[3]) for row in rows if row[0] == "size_histogram" and row[1] == "count"}
assert hist == r["size_histogram"]["buckets"], (hist, r["size_histogram"]["buckets"])
frames = [row for row in rows if row[0] == "leak" and row[1] == "frame"]
assert any("export_leaky_function" in row[3] for row in frames)
print("json+csv ok:", len(rows), "csv rows")
EOF

# ---- Prometheus ----------------------------------------------------------------------
prom_out=$(promtool check metrics < "$out/report.prom" 2>&1)
prom_rc=$?
[ $prom_rc -eq 0 ] && [ -z "$prom_out" ] || fail "promtool check metrics (rc $prom_rc): $prom_out"
for m in cc_memory_alloc_total cc_memory_free_total cc_memory_alloc_bytes_total cc_memory_free_bytes_total \
         cc_memory_current_bytes cc_memory_peak_bytes cc_memory_alloc_latency_bucket \
         cc_memory_cross_thread_free_total cc_memory_cross_thread_free_ratio \
         cc_memory_fragmentation_internal cc_memory_fragmentation_external; do
  grep -q "^$m[ {]" "$out/report.prom" || fail "report.prom lacks $m"
done
echo "promtool ok"

# ---- HTML in headless chromium ---------------------------------------------------------
grep -qiE '<script[^>]+src=|<link[^>]+href=|<img|<iframe|@import' "$out/report.html" &&
  fail "report.html is not self-contained (external script, link or image)"
# the only URL allowed is the SVG namespace name (an identifier, never fetched)
urls=$(grep -oE 'https?://[^"'"'"' )<]+' "$out/report.html" | grep -v '^http://www.w3.org/2000/svg$' || true)
[ -z "$urls" ] || fail "report.html refers to $urls"
home=$(mktemp -d)
timeout 120 env HOME="$home" chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
  --disable-extensions --disable-background-networking --user-data-dir="$home/profile" \
  --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
  --dump-dom "file://$(cd "$out" && pwd)/report.html" > "$out/dom.html" 2> "$out/chromium.log"
crc=$?
rm -rf "$home"
[ $crc -eq 0 ] || fail "chromium exited with $crc (log: $out/chromium.log)"
status=$(grep -o '<div id="status"[^>]*>[^<]*' "$out/dom.html")
[ -n "$status" ] || fail "no status element in the rendered page"
echo "$status"
echo "$status" | grep -q 'data-panels="7"' || fail "not all seven panels drawn with data: $status"
echo "$status" | grep -q 'data-errors="0"' || fail "the page caught errors: $status"
for panel in timeline heatmap latency threads flow fragmentation recommendations; do
  echo "$status" | grep -qE " $panel=[1-9][0-9]*" || fail "panel $panel drew no data: $status"
done
if grep -E 'CONSOLE|Uncaught' "$out/chromium.log"; then
  fail "console messages in chromium's log"
fi
n_svg=$(grep -o '<svg' "$out/dom.html" | wc -l)
[ "$n_svg" -ge 6 ] || fail "only $n_svg charts in the rendered page"
echo "chromium ok: $n_svg charts"
echo "PASS"

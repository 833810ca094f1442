#!/usr/bin/env bash
# Measure pilotbed against baselines measured in the same run on the same
# machine, print the table, and write it into README.md between the bench
# markers. Figures are ratios where a baseline exists, since machines differ.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${srvpid:-}" ] && kill "$srvpid" 2>/dev/null || true' EXIT

# metric FILE BENCH UNIT [FORMAT] prints the value reported with UNIT on the
# line of benchmark BENCH (its name without the -GOMAXPROCS suffix), in the
# printf FORMAT (%g by default).
metric() {
	awk -v name="$2" -v unit="$3" -v fmt="${4:-%g}" '
		{ n = $1; sub(/-[0-9]+$/, "", n) }
		n == name { for (i = 1; i < NF; i++) if ($(i+1) == unit) printf fmt, $i }
	' "$1"
}

# seconds FILE BENCH prints the ns/op of benchmark BENCH in seconds.
seconds() { awk -v ns="$(metric "$1" "$2" ns/op %.0f)" 'BEGIN { if (ns != "") printf "%.2f", ns/1e9 }'; }

echo "--- testbed start: 2 candidates x 2 services to healthy (5 runs each)" >&2
go test -run '^$' -bench 'TestbedStart' -benchtime 5x ./testbeds/docker/ | tee "$out/start.txt" >&2
pb=$(seconds "$out/start.txt" BenchmarkTestbedStart/pilotbed)
bare=$(seconds "$out/start.txt" BenchmarkTestbedStart/bare-api)
compose=$(seconds "$out/start.txt" BenchmarkTestbedStart/compose)

echo "--- report of 100 000 responses (HTML + JSON)" >&2
go test -run '^$' -bench 'Report100k' -benchtime 3x -benchmem ./pilots/report/ | tee "$out/report.txt" >&2
rep_s=$(seconds "$out/report.txt" BenchmarkReport100k)
rep_heap=$(metric "$out/report.txt" BenchmarkReport100k peak-heap-MB %.0f)

echo "--- CSV export, streamed" >&2
go test -run '^$' -bench 'ExportCSV' -benchtime 3x -benchmem ./api/ | tee "$out/export.txt" >&2
exp_row=$(metric "$out/export.txt" BenchmarkExportCSV ns/row %.0f)

echo "--- feedback ingestion: 64 concurrent clients, durable commits, vs a bare gin handler" >&2
go test -run '^$' -bench 'Ingest' -benchtime 1x ./api/ | tee "$out/ingest.txt" >&2
ing_rate=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed req/s)
ing_p50=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed p50-ms)
ing_p99=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed p99-ms)
ing_sent=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed sent)
ing_failed=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed failed)
ing_lost=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed lost)
ing_dup=$(metric "$out/ingest.txt" BenchmarkIngest/pilotbed dup)
bare_rate=$(metric "$out/ingest.txt" BenchmarkIngest/bare-gin req/s)
bare_p99=$(metric "$out/ingest.txt" BenchmarkIngest/bare-gin p99-ms)

echo "--- server restart with 20 running testbed containers (3 restarts)" >&2
go test -run '^$' -bench 'RestartAdopt' -benchtime 3x -timeout 15m ./cmd/pilotbed/ | tee "$out/restart.txt" >&2
rs_recreated=$(metric "$out/restart.txt" BenchmarkRestartAdopt recreated)
rs_conv=$(metric "$out/restart.txt" BenchmarkRestartAdopt converge-s)
rs_conv_max=$(metric "$out/restart.txt" BenchmarkRestartAdopt converge-max-s)

echo "--- idle server RSS" >&2
make -s build >&2
./bin/pilotbed serve --addr 127.0.0.1:0 --data-dir "$out/data" --log-level warn >"$out/serve.out" 2>&1 &
srvpid=$!
sleep 5
idle_rss=$(awk '/VmRSS/ { printf "%.0f", $2/1024 }' "/proc/$srvpid/status")
kill "$srvpid"; wait "$srvpid" 2>/dev/null || true; srvpid=

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
cores=$(nproc); mem=$(free -g | awk '/^Mem:/ { print $2 }')
table=$(cat <<TABLE
Measured by \`make bench\` on $(date -u +%Y-%m-%d), $cores cores, $mem GiB memory.

| what | pilotbed | baseline (same run) | ratio | target |
| --- | --- | --- | --- | --- |
| testbed start, 2 candidates x 2 services to healthy | ${pb} s | docker-compose: ${compose} s | $(ratio "$pb" "$compose") | <= 1.00 |
| same, against the bare Docker API calls | ${pb} s | bare API: ${bare} s | $(ratio "$pb" "$bare") | <= 1.15 |
| report of 100 000 responses, HTML + JSON | ${rep_s} s, peak heap ${rep_heap} MB | — | — | <= 2 s, <= 150 MB |
| CSV export, streamed | ${exp_row} ns per row | — | — | memory flat in rows (checked by a test) |
| feedback ingestion, durable commits, 64 concurrent clients | ${ing_rate} submissions/s | bare gin: ${bare_rate} req/s | $(ratio "$ing_rate" "$bare_rate") | >= 0.50 |
| same, latency | p99 ${ing_p99} ms, p50 ${ing_p50} ms | bare gin: p99 ${bare_p99} ms | — | p99 <= 50 ms |
| same, lost / duplicated responses | ${ing_lost} / ${ing_dup} of ${ing_sent} sent (${ing_failed} not answered 303) | — | — | 0 / 0 |
| server restart with 20 running testbed containers: recreated | ${rs_recreated} | — | — | 0 |
| same, until all reported running and healthy | ${rs_conv} s (worst of 3: ${rs_conv_max} s) | — | — | <= 2 s |
| idle server RSS | ${idle_rss} MB | — | — | <= 50 MB |
TABLE
)
echo "$table"
awk -v table="$table" '
	/<!-- bench:start -->/ { print; print table; skip = 1; next }
	/<!-- bench:end -->/ { skip = 0 }
	!skip { print }
' README.md >"$out/README.md"
cp "$out/README.md" README.md

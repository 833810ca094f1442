#!/usr/bin/env bash
# fuzz.sh [FUZZTIME] runs every fuzz target of the module for FUZZTIME each
# (30s by default), one after another with one worker, so it fits beside
# other work on a small machine. It fails when any target finds an input that
# crashes it; the input is then saved under the package's testdata/fuzz/,
# where `go test` replays it as a regression test from then on.
#
#   ./scripts/fuzz.sh 10s        # what `make test` runs
#   FUZZTIME=5m make fuzz        # a longer session
set -euo pipefail

fuzztime="${1:-30s}"
go="${GO:-go}"
cd "$(dirname "$0")/.."

# Only packages whose tests declare a fuzz target are listed: asking
# `go test -list` of every package would compile every test binary.
mapfile -t pkgs < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Z0-9_]' . \
	| grep -vE '/(testdata|vendor|\.git)/' | xargs -r -n1 dirname | sort -u)
if ((${#pkgs[@]} == 0)); then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

failed=()
count=0
start=$SECONDS
for pkg in "${pkgs[@]}"; do
	mapfile -t targets < <("$go" test -list '^Fuzz' "$pkg" | grep -E '^Fuzz' || true)
	for target in "${targets[@]}"; do
		count=$((count + 1))
		echo "fuzz: $pkg $target for $fuzztime"
		if ! "$go" test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
			-fuzzminimizetime 1s -parallel 1 "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done

echo "fuzz: $count targets in $((SECONDS - start))s"
if ((${#failed[@]} > 0)); then
	echo "fuzz: FAILED:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	echo "fuzz: the crashing inputs are in each package's testdata/fuzz/<target>/; 'go test -run <target>' replays them" >&2
	exit 1
fi

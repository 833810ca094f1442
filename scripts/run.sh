#!/usr/bin/env bash
# Start a pilotbed server with its data in ./data, submit and start the
# example pilot, and say where to look. Ctrl-C stops the server; the
# testbeds keep running and the next start adopts them.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${PILOTBED_DATA_DIR:-data}"
ADDR="${PILOTBED_ADDR:-127.0.0.1:8080}"
EXAMPLE="${PILOTBED_EXAMPLE:-examples/nattillsyn.hcl}"
BIN=./bin/pilotbed

mkdir -p "$DATA"
chmod 700 "$DATA"
tokenfile="$DATA/admin-token"
if [ -z "${PILOTBED_BOOTSTRAP_TOKEN:-}" ]; then
	if [ ! -s "$tokenfile" ]; then
		(umask 077; printf 'pbt_%s\n' "$(head -c 20 /dev/urandom | base32 | tr -d '=' | tr 'A-Z' 'a-z')" > "$tokenfile")
	fi
	PILOTBED_BOOTSTRAP_TOKEN="$(cat "$tokenfile")"
fi
export PILOTBED_BOOTSTRAP_TOKEN
export PILOTBED_TOKEN="$PILOTBED_BOOTSTRAP_TOKEN"
export PILOTBED_SERVER="http://$ADDR"

"$BIN" serve --addr "$ADDR" --data-dir "$DATA" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' INT TERM

ready=
for _ in $(seq 1 100); do
	if "$BIN" pilots list >/dev/null 2>&1; then ready=1; break; fi
	if ! kill -0 "$pid" 2>/dev/null; then echo "pilotbed serve exited; see the log above" >&2; exit 1; fi
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "pilotbed serve did not answer within 10s; see the log above" >&2
	kill -TERM "$pid" 2>/dev/null
	exit 1
fi

# The JSON is indented two spaces a level: the first pilot's name is at the
# third level, the pilot's status at the first.
name="$("$BIN" validate --output json "$EXAMPLE" | sed -n 's/^      "name": "\([^"]*\)".*/\1/p' | head -1)"
if ! "$BIN" pilots show "$name" >/dev/null 2>&1; then
	"$BIN" pilots submit "$EXAMPLE"
fi
status="$("$BIN" pilots show --output json "$name" | sed -n 's/^  "status": "\([^"]*\)".*/\1/p')"
case "$status" in
draft | scheduled) "$BIN" pilots start "$name" --reason "started by make run" ;;
esac

cat <<INFO

pilotbed is running at http://$ADDR  (data in $DATA, admin token in $tokenfile)

  export PILOTBED_SERVER=http://$ADDR PILOTBED_TOKEN=\$(cat $tokenfile)
  $BIN pilots list
  $BIN testbeds $name          # the candidates' containers and their health
  $BIN events $name            # the audit trail
  curl -H "Authorization: Bearer \$PILOTBED_TOKEN" http://$ADDR/api/v1/pilots/$name
  curl http://$ADDR/metrics
  open http://$ADDR/admin and sign in with the admin token

Invite participants (each link is shown once):
  $BIN invite $name --cohort vaster --count 3

Ctrl-C stops the server; the testbeds keep running until the pilot is closed:
  $BIN pilots close $name

INFO
wait "$pid"

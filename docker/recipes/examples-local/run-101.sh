#!/usr/bin/env bash
# Runs Vitess's examples/local/101_initial_cluster.sh, unchanged, in this one container and
# prints when it started and when it succeeded (epoch seconds: the host's clock too, so the
# bench times from the container's creation). Then, untimed, what vtgate serves at that moment.
# On failure the example's own logs are printed, since the container is removed after.
set -uo pipefail
echo "examples-local: started at $(date +%s.%N)"
cd /vt/examples/local
./101_initial_cluster.sh
code=$?
if [ "$code" -ne 0 ]; then
  echo "examples-local: 101_initial_cluster.sh failed (exit $code); the example's logs follow" >&2
  for f in "$VTDATAROOT"/tmp/*.out "$VTDATAROOT"/vt_*/vttablet.out "$VTDATAROOT"/vt_*/error.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; } >&2
  done
  exit "$code"
fi
echo "examples-local: succeeded at $(date +%s.%N)"
mysql --no-defaults -h 127.0.0.1 -P 15306 --table -e 'SHOW VITESS_TABLETS' 2>&1 || true

#!/usr/bin/env bash
# vtctld, after registering the cell in the global topology (etcd may still be starting).
set -euo pipefail
# Vitess 24 logs JSON unless given --log-format text; older releases lack the flag (decided at image build).
LOG_FLAGS="--logtostderr $(cat /vt/config/log-format)"
: "${CELL:=zone1}" "${TOPO_ADDR:=etcd:2379}"
topo=(--topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global)
for i in $(seq 1 100); do
  if out=$(vtctldclient --server internal "${topo[@]}" AddCellInfo --root "/vitess/$CELL" --server-address "$TOPO_ADDR" "$CELL" 2>&1) \
     || grep -qi 'exists' <<<"$out"; then break; fi
  [ "$i" = 100 ] && { echo "could not register cell $CELL in $TOPO_ADDR: $out" >&2; exit 1; }
  sleep 0.2
done
# shellcheck disable=SC2086
exec vtctld "${topo[@]}" --cell "$CELL" --service-map 'grpc-vtctl,grpc-vtctld' \
  --port 15000 --grpc-port 15999 $LOG_FLAGS ${EXTRA_FLAGS:-}

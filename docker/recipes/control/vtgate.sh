#!/usr/bin/env bash
set -euo pipefail
# Vitess 24 logs JSON unless given --log-format text; older releases lack the flag (decided at image build).
LOG_FLAGS="--logtostderr $(cat /vt/config/log-format)"
: "${CELL:=zone1}" "${TOPO_ADDR:=etcd:2379}"
# shellcheck disable=SC2086
exec vtgate --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  --cell "$CELL" --cells-to-watch "$CELL" --tablet-types-to-wait PRIMARY,REPLICA --port 15001 --grpc-port 15991 \
  --mysql-server-port 15306 --mysql-auth-server-impl none --service-map grpc-vtgateservice \
  $LOG_FLAGS ${EXTRA_FLAGS:-}

#!/usr/bin/env bash
set -euo pipefail
: "${CELL:=zone1}" "${TOPO_ADDR:=etcd:2379}"
# Short polls: the failover experiments measure how fast VTOrc reacts.
# shellcheck disable=SC2086
exec vtorc --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  --cell "$CELL" --port 16000 --instance-poll-time 1s --recovery-poll-duration 1s \
  --topo-information-refresh-duration 5s --log-format text --logtostderr ${EXTRA_FLAGS:-}

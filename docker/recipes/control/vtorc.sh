#!/usr/bin/env bash
set -euo pipefail
# Vitess 24 logs JSON unless given --log-format text; older releases lack the flag (decided at image build).
LOG_FLAGS="--logtostderr $(cat /vt/config/log-format)"
: "${CELL:=zone1}" "${TOPO_ADDR:=etcd:2379}"
# --cell arrived in v24 (required from v25); v23 has no such flag.
cell_flags=()
if [ -s /vt/config/vtorc-has-cell ]; then cell_flags=(--cell "$CELL"); fi
# Short polls: the failover experiments measure how fast VTOrc reacts.
# shellcheck disable=SC2086
exec vtorc --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  "${cell_flags[@]}" --port 16000 --instance-poll-time 1s --recovery-poll-duration 1s \
  --topo-information-refresh-duration 5s $LOG_FLAGS ${EXTRA_FLAGS:-}

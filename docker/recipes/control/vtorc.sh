#!/usr/bin/env bash
set -euo pipefail
# Vitess 24 logs JSON unless given --log-format text; older releases lack the flag (decided at image build).
LOG_FLAGS="--logtostderr $(cat /vt/config/log-format)"
: "${CELL:=zone1}" "${TOPO_ADDR:=etcd:2379}"
# --cell arrived in v24 (required from v25); v23 has no such flag.
cell_flags=()
if [ -s /vt/config/vtorc-has-cell ]; then cell_flags=(--cell "$CELL"); fi
# Short polls: the failover experiments measure how fast VTOrc reacts. With 1 s polls VTOrc can
# look at a killed primary before its replicas have noticed, and diagnose UnreachablePrimary
# first: that recovery (24.0.3, 24.0.4) re-reads the dead primary under the shard lock until
# --remote-operation-timeout, and DeadPrimary cannot lock the shard meanwhile. With the default
# 15 s, a container kill here served writes again only after 17.6 s (VTOrc's log showed this; CI's
# 18.0 s of 2 Dec fits it too), against 2.3-6.9 s otherwise. 5 s bounds it and still outlasts the
# longest host stall seen (2.8 s), so a slow but live tablet is not read as unreachable.
# shellcheck disable=SC2086
exec vtorc --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  "${cell_flags[@]}" --port 16000 --instance-poll-time 1s --recovery-poll-duration 1s \
  --topo-information-refresh-duration 5s --remote-operation-timeout 5s $LOG_FLAGS ${EXTRA_FLAGS:-}

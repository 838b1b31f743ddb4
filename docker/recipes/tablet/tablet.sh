#!/usr/bin/env bash
# One tablet: mysqld (through mysqlctld) and vttablet. vttablet is the container's main
# process; mysqlctld runs beside it so a fault can kill mysqld alone.
set -euo pipefail
# Vitess 24 logs JSON unless given --log-format text; older releases lack the flag (decided at image build).
LOG_FLAGS="--logtostderr $(cat /vt/config/log-format)"
: "${TABLET_UID:?}" "${KEYSPACE:?}" "${SHARD:?}" "${TABLET_HOSTNAME:?}"
: "${CELL:=zone1}" "${TOPO_ADDR:=etcd:2379}" "${TABLET_TYPE:=replica}"
printf -v dir '%s/vt_%010d' "$VTDATAROOT" "$TABLET_UID"
printf -v alias '%s-%010d' "$CELL" "$TABLET_UID"
if [ ! -e "$dir/my.cnf" ]; then
  mysqlctl --tablet-uid "$TABLET_UID" --mysql-port 3306 $LOG_FLAGS init_config
  cp -a /vt/template/. "$dir/"
fi
mysqlctld --tablet-uid "$TABLET_UID" --mysql-port 3306 --socket-file "$VTDATAROOT/mysqlctl.sock" \
  $LOG_FLAGS --wait-time 120s > "$VTDATAROOT/mysqlctld.log" 2>&1 &
# vttablet waits for mysqld itself (it retries its connection), so start it right away.
# shellcheck disable=SC2086
exec vttablet --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  --tablet-path "$alias" --tablet-hostname "$TABLET_HOSTNAME" \
  --init-keyspace "$KEYSPACE" --init-shard "$SHARD" --init-tablet-type "$TABLET_TYPE" \
  --port 15100 --grpc-port 16100 --service-map 'grpc-queryservice,grpc-tabletmanager,grpc-updatestream' \
  --mysqlctl-socket "$VTDATAROOT/mysqlctl.sock" \
  --health-check-interval 1s --heartbeat-enable --heartbeat-interval 250ms \
  $LOG_FLAGS ${EXTRA_FLAGS:-}

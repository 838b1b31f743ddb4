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
wait_for_mysqld=false
# Re-provisioned by an operator (an old primary refused for errant GTIDs): its data is discarded
# and it starts over from the template as a new replica, catching up from the primary's binlogs.
if [ -e "$VTDATAROOT/reprovision" ]; then
  rm -rf "$dir" "$VTDATAROOT/reprovision"
  # vttablet gives up at once if mysqld's socket is missing; a first start in a used container does not win that race.
  wait_for_mysqld=true
fi
if [ ! -e "$dir/my.cnf" ]; then
  mysqlctl --tablet-uid "$TABLET_UID" --mysql-port 3306 $LOG_FLAGS init_config
  cp -a /vt/template/. "$dir/"
else
  # Started again (after a kill): the old socket file is still there, dead.
  wait_for_mysqld=true
  rm -f "$dir/mysql.sock" "$dir/mysql.sock.lock"
fi
mysqlctld --tablet-uid "$TABLET_UID" --mysql-port 3306 --socket-file "$VTDATAROOT/mysqlctl.sock" \
  $LOG_FLAGS --wait-time 120s > "$VTDATAROOT/mysqlctld.log" 2>&1 &
# On a first start vttablet waits for mysqld's socket to appear, so it starts right away. On a
# restart mysqld may first run crash recovery, and vttablet gives up at once on a socket that
# refuses: wait until mysqld answers.
if $wait_for_mysqld; then
  for _ in $(seq 1 600); do
    mysql --socket "$dir/mysql.sock" -u vt_dba -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
# shellcheck disable=SC2086
exec vttablet --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  --tablet-path "$alias" --tablet-hostname "$TABLET_HOSTNAME" \
  --init-keyspace "$KEYSPACE" --init-shard "$SHARD" --init-tablet-type "$TABLET_TYPE" \
  --port 15100 --grpc-port 16100 --service-map 'grpc-queryservice,grpc-tabletmanager,grpc-updatestream' \
  --mysqlctl-socket "$VTDATAROOT/mysqlctl.sock" \
  --health-check-interval 1s --heartbeat-enable --heartbeat-interval 250ms \
  $LOG_FLAGS ${EXTRA_FLAGS:-}

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
# Re-provisioned by an operator (an old primary refused for errant GTIDs): its data is discarded
# and it starts over from the template as a new replica, catching up from the primary's binlogs.
if [ -e "$VTDATAROOT/reprovision" ]; then
  rm -rf "$dir" "$VTDATAROOT/reprovision"
fi
if [ ! -e "$dir/my.cnf" ]; then
  mysqlctl --tablet-uid "$TABLET_UID" --mysql-port 3306 $LOG_FLAGS init_config
  cp -a /vt/template/. "$dir/"
else
  # Started again (after a kill): the old socket file is still there, dead.
  rm -f "$dir/mysql.sock" "$dir/mysql.sock.lock"
fi
mysqlctld --tablet-uid "$TABLET_UID" --mysql-port 3306 --socket-file "$VTDATAROOT/mysqlctl.sock" \
  $LOG_FLAGS --wait-time 120s > "$VTDATAROOT/mysqlctld.log" 2>&1 &
# vttablet is started only once mysqld answers as the dba user with the grants vttablet checks:
# vttablet itself waits 10 s for them, and eight mysqld starting at once on two cores (or one
# running crash recovery after a kill) take longer than that. The wait is bounded; past it the
# container exits, saying so, and the harness retries or reports it.
deadline=$((SECONDS + ${MYSQLD_WAIT_SECONDS:-180}))
until mysql --socket "$dir/mysql.sock" -u vt_dba -N -e 'SHOW GRANTS' 2>/dev/null | awk 'NR == 1 && /SUPER|ALL PRIVILEGES/ { ok = 1 } END { exit !ok }'; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "tablet.sh: mysqld of tablet $alias did not answer as vt_dba with its grants within ${MYSQLD_WAIT_SECONDS:-180} s; mysqlctld's log:" >&2
    tail -n 20 "$VTDATAROOT/mysqlctld.log" >&2 || true
    exit 3
  fi
  sleep 0.2
done
echo "tablet.sh: mysqld answers as vt_dba after ${SECONDS} s" >&2
# The harness creates the keyspace (with its durability policy) while mysqld starts: vttablet
# registers only into a keyspace that exists, asked of vtctld, within the same bound.
until vtctldclient --server "${VTCTLD_ADDR:-vtctld:15999}" GetKeyspace "$KEYSPACE" >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "tablet.sh: keyspace $KEYSPACE not found through ${VTCTLD_ADDR:-vtctld:15999} within ${MYSQLD_WAIT_SECONDS:-180} s" >&2
    exit 3
  fi
  sleep 0.2
done
echo "tablet.sh: keyspace $KEYSPACE exists after ${SECONDS} s; starting vttablet" >&2
# shellcheck disable=SC2086
exec vttablet --topo-implementation etcd2 --topo-global-server-address "$TOPO_ADDR" --topo-global-root /vitess/global \
  --tablet-path "$alias" --tablet-hostname "$TABLET_HOSTNAME" \
  --init-keyspace "$KEYSPACE" --init-shard "$SHARD" --init-tablet-type "$TABLET_TYPE" \
  --port 15100 --grpc-port 16100 --service-map 'grpc-queryservice,grpc-tabletmanager,grpc-updatestream' \
  --mysqlctl-socket "$VTDATAROOT/mysqlctl.sock" \
  --health-check-interval 1s --heartbeat-enable --heartbeat-interval 250ms \
  $LOG_FLAGS ${EXTRA_FLAGS:-}

#!/usr/bin/env bash
# Runs once at image build: initialise a data directory (mysqld --initialize + this Vitess
# version's init_db.sql) and keep it as the template every tablet copies at start.
set -euo pipefail
# Vitess 24 logs JSON unless given --log-format text; older releases lack the flag (decided at image build).
LOG_FLAGS="--logtostderr $(cat /vt/config/log-format)"
sed '/{{custom_sql}}/r /vt/config/chaos-users.sql' /vt/config/init_db.vitess.sql > /vt/config/init_db.sql
mysqlctl --tablet-uid 1 --mysql-port 3306 $LOG_FLAGS init --init-db-sql-file /vt/config/init_db.sql
mysqlctl --tablet-uid 1 --mysql-port 3306 $LOG_FLAGS shutdown
src=$VTDATAROOT/vt_0000000001
mkdir -p /vt/template
mv "$src/data" "$src/innodb" /vt/template/
# auto.cnf holds server_uuid: without it each tablet's mysqld makes its own.
rm -f /vt/template/data/auto.cnf
rm -rf "$src"
du -sh /vt/template

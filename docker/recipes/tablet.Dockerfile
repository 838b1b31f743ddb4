# A tablet: mysqld managed by mysqlctld, plus vttablet, in one container.
ARG DB_IMAGE
FROM ${DB_IMAGE}
COPY --chown=vitess bin/mysqlctl bin/mysqlctld bin/vttablet bin/vtctldclient /vt/bin/
COPY --chown=vitess tablet/ /vt/config/
ENV VTDATAROOT=/vt/vtdataroot VT_MYSQL_ROOT=/usr PATH=/vt/bin:$PATH \
    EXTRA_MY_CNF=/vt/config/chaos.cnf
RUN chmod +x /vt/config/*.sh && install -d -o vitess /vt/vtdataroot /vt/template \
 && if vttablet --help 2>&1 | grep -q -- '--log-format'; then echo '--log-format text'; fi > /vt/config/log-format
USER vitess
# A data directory initialised once here and copied per tablet saves every bring-up
# the cost of mysqld --initialize and init_db.sql (each tablet still gets its own server_uuid).
RUN /vt/config/make-template.sh
ENTRYPOINT ["/usr/bin/tini", "--", "/vt/config/tablet.sh"]

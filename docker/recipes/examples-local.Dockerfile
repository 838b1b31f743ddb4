# Vitess's own examples/local, for the bring-up comparison in `make bench` (BENCH_EXAMPLES=1):
# the tablet image (same MySQL, same Vitess binaries) plus what the example's env.sh asks
# for in PATH (curl, etcd, etcdctl, vtctld, vtgate, vtorc) and the module's examples directory.
ARG TABLET_IMAGE
FROM ${TABLET_IMAGE}
USER root
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends curl etcd-server etcd-client \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY bin/vtctld bin/vtgate bin/vtorc /vt/bin/
COPY --chown=vitess examples/ /vt/examples/
COPY examples-local/run-101.sh /vt/config/run-101.sh
RUN chmod +x /vt/config/run-101.sh
# The example as shipped: MySQL with Vitess's own my.cnf, not the harness's small-machine
# sizing (chaos.cnf), and no VTAdmin (its web UI needs node and a build of its own).
ENV EXTRA_MY_CNF= SKIP_VTADMIN=1
USER vitess
WORKDIR /vt/examples/local
ENTRYPOINT ["/usr/bin/tini", "--", "/vt/config/run-101.sh"]

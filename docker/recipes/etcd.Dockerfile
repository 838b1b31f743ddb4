# The topology server: Debian's etcd.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends etcd-server tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
ENTRYPOINT ["/usr/bin/tini", "--", "etcd", "--name", "topo", "--data-dir", "/tmp/etcd", \
  "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", "http://etcd:2379"]

# The control plane and routing layer: vtctld, vtorc, vtgate (one image, one process per container).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && useradd --create-home --uid 1000 vitess
COPY bin/vtctld bin/vtgate bin/vtorc bin/vtctldclient /vt/bin/
COPY control/ /vt/config/
# Flags that differ between releases, read once from the binaries themselves.
RUN chmod +x /vt/config/*.sh \
 && if /vt/bin/vtctld --help 2>&1 | grep -q -- '--log-format'; then echo '--log-format text'; fi > /vt/config/log-format \
 && if /vt/bin/vtorc --help 2>&1 | grep -q -- '--cell '; then echo yes; fi > /vt/config/vtorc-has-cell
ENV VTDATAROOT=/tmp PATH=/vt/bin:$PATH
USER vitess
ENTRYPOINT ["/usr/bin/tini", "--"]

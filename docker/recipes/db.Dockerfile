# The database server: a MySQL-family server from Debian packages (sid carries MySQL 9.7).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG DB_PACKAGES
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${DB_PACKAGES} tini procps \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && useradd --create-home --uid 1000 vitess \
 && mkdir -p /var/lib/mysql-files && chown vitess /var/lib/mysql-files

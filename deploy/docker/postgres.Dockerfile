# PostgreSQL 15 for xroute, from Debian's own package on the same Debian 12 base as the xroute image (so a
# host without an image registry needs nothing but the base image). Runs as the unprivileged user postgres
# with uid 10001, the uid xroute's images use, so one rule serves every secret file: owner 10001, mode 0600.
# First start: initdb with the superuser POSTGRES_USER (xroute) and the password from POSTGRES_PASSWORD_FILE,
# database POSTGRES_DB (xroute); local socket connections are trusted (inside the container only), TCP needs
# the password (scram-sha-256). Data in /var/lib/postgresql/data (a volume).
ARG BASE_IMAGE=xroute/debian:12-slim
FROM ${BASE_IMAGE}
LABEL org.xroute.project=xroute
RUN groupadd --gid 10001 postgres \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/postgresql --shell /bin/sh postgres \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /run/postgresql \
 && chmod 700 /var/lib/postgresql/data
COPY deploy/docker/postgres-entrypoint.sh /usr/local/bin/xroute-postgres
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    POSTGRES_USER=xroute \
    POSTGRES_DB=xroute \
    POSTGRES_PORT=5432
USER postgres
ENTRYPOINT ["xroute-postgres"]

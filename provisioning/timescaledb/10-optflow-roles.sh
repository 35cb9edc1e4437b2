#!/bin/sh
# Runs once, when the TimescaleDB container initialises its data directory: the role Grafana reads
# as, with its password (the optflow migrations create it without one when it is missing and grant
# it SELECT on the optflow schema).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$OPTFLOW_READER_PASSWORD" <<'SQL'
CREATE ROLE optflow_reader LOGIN PASSWORD :'password';
SQL

#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): two roles for Pass numérique.
#  - passnum_owner owns the database's tables: it runs the migrations (the `migrate` service).
#  - passnum_app is what web, worker and beat connect as: read and write rows, never change
#    the schema, never TRUNCATE; on the journal only SELECT and INSERT (app_grants.py, run
#    after each migration, takes UPDATE and DELETE back on audit_journalentry).
set -eu
: "${PASSNUM_DB_OWNER_PASSWORD:?set PASSNUM_DB_OWNER_PASSWORD}"
: "${PASSNUM_DB_APP_PASSWORD:?set PASSNUM_DB_APP_PASSWORD}"
DB="${POSTGRES_DB:-passnum}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$DB" \
  -v owner_pw="$PASSNUM_DB_OWNER_PASSWORD" -v app_pw="$PASSNUM_DB_APP_PASSWORD" -v db="$DB" <<'SQL'
CREATE ROLE passnum_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE passnum_app LOGIN PASSWORD :'app_pw';
ALTER DATABASE :"db" OWNER TO passnum_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO passnum_owner, passnum_app;
ALTER SCHEMA public OWNER TO passnum_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO passnum_app;
ALTER DEFAULT PRIVILEGES FOR ROLE passnum_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO passnum_app;
ALTER DEFAULT PRIVILEGES FOR ROLE passnum_owner IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO passnum_app;
SQL

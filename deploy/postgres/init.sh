#!/usr/bin/env bash
# Creates Synapse's and aachat's databases, each with its own user, in the `postgres`
# service of docker-compose.yml. The postgres image runs the scripts in
# /docker-entrypoint-initdb.d once, when its data volume is empty (first start only):
# to change a password later, use ALTER ROLE … PASSWORD in psql.
#
# Synapse needs its database in UTF8 with the C collation and ctype
# (https://element-hq.github.io/synapse/latest/postgres.html), so it is made from
# template0 with those settings; aachat's uses the cluster's defaults.
#
# Sourced rather than run when the file is not executable: no `exit`, no `set -u` here.
set -e

synapse_user="${SYNAPSE_DB_USER:-synapse}"
synapse_db="${SYNAPSE_DB_NAME:-synapse}"
aachat_user="${AACHAT_DB_USER:-aachat}"
aachat_db="${AACHAT_DB_NAME:-aachat}"

# psql's :'name' and :"name" quote the variables as a literal and an identifier, so
# passwords may hold any character.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  -v synapse_user="$synapse_user" \
  -v synapse_password="${SYNAPSE_DB_PASSWORD:?set SYNAPSE_DB_PASSWORD in .env}" \
  -v synapse_db="$synapse_db" \
  -v aachat_user="$aachat_user" \
  -v aachat_password="${AACHAT_DB_PASSWORD:?set AACHAT_DB_PASSWORD in .env}" \
  -v aachat_db="$aachat_db" <<'SQL'
CREATE ROLE :"synapse_user" LOGIN PASSWORD :'synapse_password';
CREATE DATABASE :"synapse_db" OWNER :"synapse_user"
  ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;

CREATE ROLE :"aachat_user" LOGIN PASSWORD :'aachat_password';
CREATE DATABASE :"aachat_db" OWNER :"aachat_user" ENCODING 'UTF8';

-- Only each owner (and the superuser) may connect to its database.
REVOKE ALL ON DATABASE :"synapse_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"aachat_db" FROM PUBLIC;
SQL

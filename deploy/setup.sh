#!/usr/bin/env bash
# The one-shot `setup` service of docker-compose.yml (runs in the aachat image, as root).
#
# Writes into the shared config volume, when they are missing:
#   registration.yaml   the appservice registration: the repository's registration.yaml
#                       template filled by `aachat registration` (random as_token/hs_token),
#                       loaded by Synapse (app_service_config_files) and by the appservice
#   aachat.yaml         the appservice's config: Synapse, PostgreSQL, logging
# and hands them to their readers: the registration to the aachat user and Synapse's
# group (0640), aachat.yaml (it holds the database password) to the aachat user only.
#
# Safe to run again: existing files are kept as they are (edit them in the volume, or
# delete one and run `docker compose run --rm setup` to write it again). A registration
# written again has new tokens, so restart Synapse and the appservice afterwards.
set -euo pipefail

config_dir="${AACHAT_CONFIG_DIR:-/config}"
server_name="${AACHAT_SERVER_NAME:?set AACHAT_SERVER_NAME (the server name of the homeserver) in .env}"
db_password="${AACHAT_DB_PASSWORD:?set AACHAT_DB_PASSWORD in .env}"
appservice_url="${AACHAT_APPSERVICE_URL:-http://appservice:8090}"
homeserver_url="${AACHAT_HOMESERVER_URL:-http://synapse:8008}"
public_homeserver_url="${AACHAT_PUBLIC_HOMESERVER_URL:-http://localhost:8008}"
db_host="${AACHAT_DB_HOST:-postgres}"
db_port="${AACHAT_DB_PORT:-5432}"
db_user="${AACHAT_DB_USER:-aachat}"
db_name="${AACHAT_DB_NAME:-aachat}"
log_level="${AACHAT_LOG_LEVEL:-info}"
app_user="${AACHAT_USER:-aachat}"
synapse_gid="${SYNAPSE_GID:-991}"
app_dir="${AACHAT_APP_DIR:-/app}"

registration="$config_dir/registration.yaml"
config="$config_dir/aachat.yaml"
# The image's CLI bundle (see the Dockerfile); in a checkout, the CLI's launcher.
cli=(node "$app_dir/cli/bin/aachat.js")
[ -f "$app_dir/cli/dist/image/aachat.mjs" ] && cli=(node "$app_dir/cli/dist/image/aachat.mjs")

# A value as a YAML scalar (a JSON string is a valid YAML double-quoted scalar).
quote() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }
# A value as one part of a URL (the password may hold @, :, / …).
url_part() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1"; }

mkdir -p "$config_dir"

# One key of a YAML file ("homeserver.serverName"), or nothing.
yaml_value() {
  (cd "$app_dir" && node -e '
    const { parse } = require("yaml");
    let value = parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    for (const key of process.argv[2].split(".")) value = value?.[key];
    process.stdout.write(String(value ?? ""));
  ' "$1" "$2")
}

if [ -f "$registration" ] && grep -q CHANGE_ME "$registration"; then
  # A copy of the template put there by hand: fill its placeholders (fresh tokens).
  "${cli[@]}" registration --url "$appservice_url" --server-name "$server_name" -o "$registration"
elif [ -f "$registration" ]; then
  echo "setup: keeping $registration"
  # A registration brought from another install (see the README) still names where
  # Synapse reached the appservice there.
  registered_url=$(yaml_value "$registration" url)
  if [ "${registered_url%/}" != "${appservice_url%/}" ]; then
    echo "setup: $registration has url '$registered_url', but Synapse reaches the appservice at '$appservice_url'." >&2
    echo "setup: set its url to $appservice_url (keep its tokens) and run setup again." >&2
    exit 1
  fi
else
  "${cli[@]}" registration --url "$appservice_url" --server-name "$server_name" -o "$registration"
fi

if [ -f "$config" ]; then
  echo "setup: keeping $config"
  # The server name is part of every user id: refuse to go on with a different one.
  configured=$(yaml_value "$config" homeserver.serverName)
  if [ "$configured" != "$server_name" ]; then
    echo "setup: $config has serverName '$configured' but AACHAT_SERVER_NAME is '$server_name'." >&2
    echo "setup: a homeserver's server name cannot change; set AACHAT_SERVER_NAME back to '$configured'." >&2
    exit 1
  fi
else
  database_url="postgresql://$(url_part "$db_user"):$(url_part "$db_password")@$db_host:$db_port/$(url_part "$db_name")"
  temporary="$config.$$.tmp"
  umask 077
  cat >"$temporary" <<EOF
# aachat appservice configuration, written by deploy/setup.sh (docker compose).
# Holds the database password: keep it private. Edit it here and restart the appservice.
homeserver:
  # Where the appservice reaches Synapse (inside compose).
  url: $(quote "$homeserver_url")
  # Where browsers reach it: the console signs in there.
  publicUrl: $(quote "$public_homeserver_url")
  serverName: $(quote "$server_name")
appservice:
  bindAddress: 0.0.0.0
  port: 8090
  # How Synapse reaches the appservice (the registration's url).
  url: $(quote "$appservice_url")
  registrationFile: registration.yaml
database:
  url: $(quote "$database_url")
agents:
  maxMentionHops: 3
logging:
  level: $(quote "$log_level")
  format: json
EOF
  mv "$temporary" "$config"
  echo "setup: wrote $config"
fi

if [ "$(id -u)" = 0 ]; then
  # Synapse runs as uid/gid 991 (its image's default, or its UID/GID env) and needs to read
  # the registration through the read-only mount; the appservice runs as $app_user.
  chown "$app_user:$synapse_gid" "$config_dir" "$registration"
  chmod 0750 "$config_dir"
  chmod 0640 "$registration"
  chown "$app_user:" "$config"
  chmod 0600 "$config"
else
  echo "setup: not running as root; make $registration readable by Synapse (gid $synapse_gid) yourself" >&2
fi
echo "setup: done (server name: $server_name)"

# syntax=docker/dockerfile:1
#
# The aachat appservice image: the appservice with its HTTP API, the console and the
# runtime WebSocket, on one port (8090). docker-compose.yml builds it and runs it beside
# Synapse and PostgreSQL; see the README, "Beyond one machine: docker compose".
#
#   docker build -t aachat .
#   docker run -v aachat-config:/config -p 8090:8090 aachat      # reads /config/aachat.yaml
#
# The same image runs the one-shot setup (deploy/setup.sh) and the `aachat` CLI:
#   docker run --rm --entrypoint node aachat cli/dist/image/aachat.mjs --help

ARG NODE_VERSION=22

# --- build: install the npm packages (better-sqlite3 is compiled here) -------------------
FROM node:${NODE_VERSION}-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# The manifests first, so that the slow install is cached until package-lock.json changes.
COPY package.json package-lock.json ./
COPY synapse/package.json synapse/
COPY protocol/package.json protocol/
COPY api/package.json api/
COPY appservice/package.json appservice/
COPY agent-repo/package.json agent-repo/
COPY runtime/package.json runtime/
COPY admin-ui/package.json admin-ui/
COPY cli/package.json cli/
# Install scripts run below, once the sources are in place (the root postinstall
# generates the Prisma clients from appservice/prisma).
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

COPY . .
# better-sqlite3: a prebuilt binary when one matches, else compiled with python3/make/g++.
# esbuild checks its platform binary. Then the Prisma clients (scripts/prisma-generate.mjs),
# and the CLI bundled into cli/dist/image/, which the image runs.
RUN npm rebuild better-sqlite3 esbuild \
 && npm run postinstall \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && node cli/build/bundle.mjs cli/dist/image \
 && rm -rf /root/.npm

# --- runtime ----------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    AACHAT_CONFIG=/config/aachat.yaml
# A fixed non-root user; deploy/setup.sh gives it the files in the config volume.
RUN groupadd --system --gid 10001 aachat \
 && useradd --system --uid 10001 --gid aachat --home-dir /app --shell /usr/sbin/nologin aachat \
 && mkdir -p /config \
 && chown aachat:aachat /config \
 && chmod 0750 /config
WORKDIR /app
COPY --from=build --chown=root:root /app /app

USER aachat
# The homeserver's transactions, /api/v1, the console (/), /runtime/v1/socket and /health.
EXPOSE 8090
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8090/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 (exec) and stops cleanly on SIGTERM. AACHAT_CONFIG picks the config.
ENTRYPOINT ["/bin/sh", "-c", "exec node cli/dist/image/aachat.mjs appservice -c \"${AACHAT_CONFIG:-/config/aachat.yaml}\""]

import type { synapsePaths } from "./paths.ts";

export interface SynapseConfigOptions {
  /** All of Synapse's state: homeserver.yaml, homeserver.db, signing key, media, log. */
  dataDir: string;
  /** e.g. "localhost". Fixed for the life of the data directory. */
  serverName: string;
  /** e.g. "127.0.0.1". */
  bindAddress: string;
  /** Client listener port, e.g. 8008. */
  port: number;
  /** Absolute paths of appservice registration files. */
  appserviceRegistrationFiles: string[];
  /** bcrypt_rounds 4, every rate limit raised very high, presence off. */
  testMode?: boolean;
}

// A fresh object each time, so the YAML shows plain values rather than anchors and aliases.
const unlimited = () => ({ per_second: 10000, burst_count: 10000 });

/**
 * Every rate limiter Synapse 1.163 reads (synapse/config/ratelimiting.py). Tests create users, rooms
 * and messages far faster than a human, and a 429 there is noise, not a finding.
 */
export function testModeRateLimits(): Record<string, unknown> {
  return {
    rc_message: unlimited(),
    rc_registration: unlimited(),
    rc_registration_token_validity: unlimited(),
    rc_login: { address: unlimited(), account: unlimited(), failed_attempts: unlimited() },
    rc_admin_redaction: unlimited(),
    rc_joins: { local: unlimited(), remote: unlimited() },
    rc_joins_per_room: unlimited(),
    rc_key_requests: unlimited(),
    rc_3pid_validation: unlimited(),
    rc_invites: { per_room: unlimited(), per_user: unlimited(), per_issuer: unlimited() },
    rc_third_party_invite: unlimited(),
    rc_media_create: unlimited(),
    rc_presence: { per_user: unlimited() },
    rc_delayed_event_mgmt: unlimited(),
    rc_room_creation: unlimited(),
    rc_reports: unlimited(),
    rc_user_directory: unlimited(),
    rc_profile: unlimited(),
  };
}

/**
 * The embedded homeserver serves one team on one machine, where every client, the CLI and
 * the console log in from 127.0.0.1: Synapse's public-internet defaults (a few logins, a
 * message every few seconds) lock that team out after a typo or a quick exchange. These
 * still stop a runaway script; a public server keeps Synapse's defaults (see the compose
 * deployment's docs).
 */
export function localTeamRateLimits(): Record<string, unknown> {
  return {
    rc_message: { per_second: 20, burst_count: 200 },
    rc_login: {
      address: { per_second: 1, burst_count: 30 },
      account: { per_second: 1, burst_count: 30 },
      failed_attempts: { per_second: 0.2, burst_count: 10 },
    },
    rc_joins: { local: { per_second: 10, burst_count: 50 }, remote: { per_second: 1, burst_count: 10 } },
    rc_invites: {
      per_room: { per_second: 10, burst_count: 50 },
      per_user: { per_second: 10, burst_count: 50 },
      per_issuer: { per_second: 10, burst_count: 50 },
    },
  };
}

/**
 * What aachat decides about the homeserver, layered over the generated homeserver.yaml. Synapse merges
 * config files shallowly, so each top-level key here replaces the generated one entirely.
 */
export function buildOverrides(
  opts: SynapseConfigOptions,
  paths: ReturnType<typeof synapsePaths>,
  extraSharedSecret: string | undefined,
): Record<string, unknown> {
  const overrides: Record<string, unknown> = {
    listeners: [
      {
        port: opts.port,
        bind_addresses: [opts.bindAddress],
        type: "http",
        tls: false,
        x_forwarded: false,
        // No federation resource: this homeserver serves local clients and appservices only.
        resources: [{ names: ["client"], compress: false }],
      },
    ],
    database: { name: "sqlite3", args: { database: paths.database } },
    media_store_path: paths.mediaStore,
    log_config: paths.logConfig,
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    app_service_config_files: opts.appserviceRegistrationFiles,
    enable_registration: false,
    report_stats: false,
    serve_server_wellknown: false,
    url_preview_enabled: false,
    presence: { enabled: !opts.testMode },
  };
  if (extraSharedSecret) overrides.registration_shared_secret = extraSharedSecret;
  Object.assign(overrides, opts.testMode ? { bcrypt_rounds: 4, ...testModeRateLimits() } : localTeamRateLimits());
  return overrides;
}

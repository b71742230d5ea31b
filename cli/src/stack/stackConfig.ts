import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { stringify as stringifyYaml } from "yaml";
import {
  generateRegistration,
  loadConfigFile,
  loadRegistration,
  writeRegistration,
  type AppserviceConfig,
  type AppserviceConfigInput,
  type Registration,
} from "@aachat/appservice";
import { UserError } from "../errors.ts";
import type { StackPaths } from "./paths.ts";

export interface StackSettings {
  serverName: string;
  synapsePort: number;
  appservicePort: number;
  bindAddress: string;
}

export const DEFAULT_STACK_SETTINGS: StackSettings = {
  serverName: "localhost",
  synapsePort: 8008,
  appservicePort: 8090,
  bindAddress: "127.0.0.1",
};

/**
 * The embedded stack's config: created on the first run from the given settings, read
 * (and validated) on every later run. Ports given again override the file for this run;
 * the server name can't change once the homeserver holds users.
 */
export async function prepareStackConfig(
  paths: StackPaths,
  requested: Partial<StackSettings>,
): Promise<{ config: AppserviceConfig; created: boolean }> {
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  if (!existsSync(paths.config)) {
    const given = Object.fromEntries(Object.entries(requested).filter(([, value]) => value !== undefined));
    const settings: StackSettings = { ...DEFAULT_STACK_SETTINGS, ...given };
    await writeFile(paths.config, renderConfig(settings), { mode: 0o600 });
    return { config: await loadConfigFile(paths.config), created: true };
  }
  const config = await loadConfigFile(paths.config);
  if (requested.serverName && requested.serverName !== config.homeserver.serverName) {
    throw new UserError(
      `the data directory ${paths.root} belongs to server name '${config.homeserver.serverName}', not '${requested.serverName}'; a homeserver's name can't change: use another --data-dir for a new one`,
    );
  }
  const homeserver = new URL(config.homeserver.url);
  if (requested.synapsePort) homeserver.port = String(requested.synapsePort);
  const appservicePort = requested.appservicePort ?? config.appservice.port;
  const appserviceUrl = new URL(config.appservice.url);
  appserviceUrl.port = String(appservicePort);
  return {
    config: {
      ...config,
      homeserver: { ...config.homeserver, url: homeserver.origin },
      appservice: { ...config.appservice, port: appservicePort, url: appserviceUrl.origin },
    },
    created: false,
  };
}

/** The registration of the embedded stack: generated once, its url kept in step with the config. */
export async function prepareRegistration(config: AppserviceConfig): Promise<Registration> {
  const file = config.appservice.registrationFile;
  if (!existsSync(file)) {
    const registration = generateRegistration({ url: config.appservice.url, serverName: config.homeserver.serverName });
    await writeRegistration(file, registration);
    return registration;
  }
  const registration = await loadRegistration(file);
  if (registration.url !== config.appservice.url) {
    const updated = { ...registration, url: config.appservice.url };
    await writeRegistration(file, updated);
    return updated;
  }
  return registration;
}

export function synapseSettingsOf(config: AppserviceConfig): { bindAddress: string; port: number } {
  const url = new URL(config.homeserver.url);
  return { bindAddress: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
}

function renderConfig(settings: StackSettings): string {
  const config: AppserviceConfigInput = {
    homeserver: { url: `http://${settings.bindAddress}:${settings.synapsePort}`, serverName: settings.serverName },
    appservice: {
      bindAddress: settings.bindAddress,
      port: settings.appservicePort,
      url: `http://${settings.bindAddress}:${settings.appservicePort}`,
      registrationFile: "registration.yaml",
    },
    database: { sqliteFile: "aachat.db" },
    logging: { level: "info", format: "auto" },
  };
  return (
    "# aachat configuration, created by `aachat up`. Paths are relative to this file.\n" +
    "# homeserver.url is where the embedded Synapse listens; appservice.port serves the\n" +
    "# homeserver's transactions, the HTTP API, the console and the runtime WebSocket.\n" +
    stringifyYaml(config)
  );
}

export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, "utf8")) as T;
}

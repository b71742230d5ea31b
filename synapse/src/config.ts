import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import writeFileAtomic from "write-file-atomic";
import YAML from "yaml";
import { SynapseConfigError } from "./errors.ts";
import { buildLogConfig } from "./log-config.ts";
import { buildOverrides, type SynapseConfigOptions } from "./overrides.ts";
import { homeserverUrl, synapsePaths } from "./paths.ts";
import { describeFailure, runCommand } from "./run-command.ts";

export interface SynapseConfig {
  /** Pass all of them to Synapse, in this order: later files win. */
  configPaths: string[];
  logPath: string;
  registrationSharedSecret: string;
  url: string;
}

const OVERRIDES_HEADER =
  " Written by aachat on every start; edits here are lost. Put your own settings in homeserver.yaml;\n" +
  " top-level keys in this file replace the same keys there.";

/**
 * Generates homeserver.yaml on first use (keeping Synapse's own secrets and signing key) and rewrites
 * aachat's overrides and log config on every call.
 */
export async function ensureSynapseConfig(
  python: string,
  opts: SynapseConfigOptions,
  logger: Logger,
): Promise<SynapseConfig> {
  const paths = synapsePaths(opts.dataDir);
  await checkAppserviceFiles(opts.appserviceRegistrationFiles);
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  if (!(await exists(paths.homeserverYaml))) await generateConfig(python, opts.serverName, paths, logger);

  const generated = await readYamlMap(paths.homeserverYaml);
  if (generated.server_name !== opts.serverName) {
    throw new SynapseConfigError(
      `${paths.dataDir} belongs to server name "${String(generated.server_name)}", but "${opts.serverName}" was requested. ` +
        `A homeserver's name cannot change once it has data: use the original name, or another data directory.`,
    );
  }

  const ownSecret = await sharedSecretFrom(generated, paths.dataDir);
  // Only when homeserver.yaml has none: then aachat's secret lives in the overrides, created once and kept.
  const registrationSharedSecret =
    ownSecret ?? (await previousOverrideSecret(paths.overridesYaml)) ?? randomBytes(32).toString("base64url");
  const extraSecret = ownSecret ? undefined : registrationSharedSecret;

  // Synapse may read these at any moment (a concurrent start): never expose a half-written one.
  await writeFileAtomic(paths.logConfig, buildLogConfig(paths.logPath), { mode: 0o644 });
  const doc = new YAML.Document(buildOverrides(opts, paths, extraSecret));
  doc.commentBefore = OVERRIDES_HEADER;
  await writeFileAtomic(paths.overridesYaml, doc.toString(), { mode: 0o600 });

  return {
    configPaths: [paths.homeserverYaml, paths.overridesYaml],
    logPath: paths.logPath,
    registrationSharedSecret,
    url: homeserverUrl(opts.bindAddress, opts.port),
  };
}

/**
 * The shared secret of an existing Synapse data directory (the one `ensureSynapseConfig` set up):
 * homeserver.yaml's own, else aachat's from the overrides; undefined when there is none.
 */
export async function readRegistrationSharedSecret(synapseDataDir: string): Promise<string | undefined> {
  const paths = synapsePaths(synapseDataDir);
  if (!(await exists(paths.homeserverYaml))) return undefined;
  return (
    (await sharedSecretFrom(await readYamlMap(paths.homeserverYaml), paths.dataDir)) ??
    (await previousOverrideSecret(paths.overridesYaml))
  );
}

async function generateConfig(
  python: string,
  serverName: string,
  paths: ReturnType<typeof synapsePaths>,
  logger: Logger,
): Promise<void> {
  // Generated under a temporary name so an interrupted first run is simply redone.
  const partial = `${paths.homeserverYaml}.partial`;
  await rm(partial, { force: true });
  logger.info({ dataDir: paths.dataDir, serverName }, "generating Synapse config");
  const args = [
    "-m",
    "synapse.app.homeserver",
    "--server-name",
    serverName,
    "--config-path",
    partial,
    "--data-directory",
    paths.dataDir,
    "--generate-config",
    "--report-stats=no",
  ];
  const result = await runCommand(python, args, { cwd: paths.dataDir, timeoutMs: 120_000 });
  if (result.exitCode !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-20).join("\n");
    throw new SynapseConfigError(
      `Generating Synapse's config in ${paths.dataDir} failed (${describeFailure(result)}). ` +
        `Check the directory is writable and the Synapse virtualenv works.\n${output}`,
    );
  }
  await rename(partial, paths.homeserverYaml);
}

async function sharedSecretFrom(config: Record<string, unknown>, dataDir: string): Promise<string | undefined> {
  if (typeof config.registration_shared_secret === "string" && config.registration_shared_secret) {
    return config.registration_shared_secret;
  }
  if (typeof config.registration_shared_secret_path === "string") {
    const secretPath = path.resolve(dataDir, config.registration_shared_secret_path);
    return (await readFile(secretPath, "utf8").catch(() => "")).trim() || undefined;
  }
  return undefined;
}

async function previousOverrideSecret(overridesYaml: string): Promise<string | undefined> {
  if (!(await exists(overridesYaml))) return undefined;
  const previous = await readYamlMap(overridesYaml);
  return typeof previous.registration_shared_secret === "string" ? previous.registration_shared_secret : undefined;
}

async function readYamlMap(filePath: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = YAML.parse(await readFile(filePath, "utf8"));
  } catch (err) {
    // Only the first line: the rest quotes the file, which may hold secrets.
    const reason = (err as Error).message.split("\n")[0];
    throw new SynapseConfigError(
      `Cannot read ${filePath}: ${reason}. Fix the file, or delete it to have it regenerated.`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SynapseConfigError(
      `${filePath} is not a YAML mapping. Fix the file, or delete it to have it regenerated.`,
    );
  }
  return parsed as Record<string, unknown>;
}

async function checkAppserviceFiles(files: string[]): Promise<void> {
  for (const file of files) {
    if (!path.isAbsolute(file)) {
      throw new SynapseConfigError(
        `Appservice registration path "${file}" must be absolute (Synapse runs in its data directory).`,
      );
    }
    if (!(await exists(file))) {
      throw new SynapseConfigError(
        `Appservice registration file ${file} does not exist. Generate the registration before starting Synapse.`,
      );
    }
  }
}

async function exists(filePath: string): Promise<boolean> {
  return access(filePath).then(
    () => true,
    () => false,
  );
}

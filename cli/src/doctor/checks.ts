import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import {
  agentNamespaceRegex,
  loadConfigFile,
  loadRegistration,
  sqliteDriverProblem,
  type AppserviceConfig,
  type Registration,
} from "@aachat/appservice";
import { defaultVenvDir, findPython, isPortFree, SYNAPSE_VERSION, venvPython } from "@aachat/synapse";
import { resolveDataDir, stackPaths } from "../stack/paths.ts";
import { synapseSettingsOf } from "../stack/stackConfig.ts";
import { checkClaudeCode } from "./claudeCheck.ts";

export type Status = "ok" | "warn" | "fail";
export interface Check {
  name: string;
  status: Status;
  detail: string;
  /** What to do when the check did not pass. */
  fix?: string;
}

const MIN_NODE = [20, 19] as const;

export async function runChecks(options: { dataDir?: string; config?: string }): Promise<Check[]> {
  const checks: Check[] = [checkNode(), await checkPython(), await checkSynapseInstall(), await checkClaudeCode()];
  const configFile = options.config ?? stackPaths(resolveDataDir(options.dataDir)).config;
  const { check: configCheck, config } = await checkConfig(configFile, options.config === undefined);
  checks.push(configCheck);
  if (!config) return checks;
  if (config.database.kind === "sqlite") checks.push(checkSqliteDriver());
  const { check: registrationCheck, registration } = await checkRegistration(config);
  checks.push(registrationCheck);
  const homeserverUp = await isHttpUp(`${config.homeserver.url}/_matrix/client/versions`);
  const appserviceUp = await isHttpUp(`${config.appservice.url}/health`);
  const synapse = synapseSettingsOf(config);
  checks.push(await checkPort("homeserver port", synapse.bindAddress, synapse.port, homeserverUp, "--synapse-port"));
  checks.push(
    await checkPort("appservice port", config.appservice.bindAddress, config.appservice.port, appserviceUp, "--port"),
  );
  if (registration) checks.push(await checkHomeserver(config, registration, homeserverUp));
  return checks;
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const name = "node";
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    return {
      name,
      status: "fail",
      detail: `Node ${process.versions.node}`,
      fix: `install Node 22 or newer (at least ${MIN_NODE.join(".")})`,
    };
  }
  if (major < 22) {
    return {
      name,
      status: "warn",
      detail: `Node ${process.versions.node} works, but the Matrix libraries declare Node 22+`,
      fix: "upgrade to Node 22 or 24",
    };
  }
  return { name, status: "ok", detail: `Node ${process.versions.node}` };
}

function checkSqliteDriver(): Check {
  const name = "sqlite driver";
  const problem = sqliteDriverProblem();
  if (problem) return { name, status: "fail", detail: problem.detail, fix: problem.fix };
  return { name, status: "ok", detail: `better-sqlite3 loads on Node ${process.versions.node}` };
}

async function checkPython(): Promise<Check> {
  try {
    const python = await findPython();
    return { name: "python", status: "ok", detail: `${python.path} (${python.version})` };
  } catch (error) {
    return {
      name: "python",
      status: "fail",
      detail: (error as Error).message,
      fix: "install Python 3.10+ with venv, or set AACHAT_PYTHON",
    };
  }
}

async function checkSynapseInstall(): Promise<Check> {
  const venv = defaultVenvDir();
  const python = venvPython(venv);
  if (!existsSync(python)) {
    return {
      name: "synapse",
      status: "warn",
      detail: `not installed yet (${venv})`,
      fix: "`aachat up` installs it on first run",
    };
  }
  try {
    const { stdout } = await promisify(execFile)(python, ["-c", "import synapse; print(synapse.__version__)"], {
      timeout: 30_000,
    });
    const version = stdout.trim();
    return version === SYNAPSE_VERSION
      ? { name: "synapse", status: "ok", detail: `Synapse ${version} in ${venv}` }
      : {
          name: "synapse",
          status: "warn",
          detail: `Synapse ${version} in ${venv}, expected ${SYNAPSE_VERSION}`,
          fix: `remove ${venv}; \`aachat up\` reinstalls it`,
        };
  } catch {
    return {
      name: "synapse",
      status: "fail",
      detail: `the virtualenv ${venv} is broken`,
      fix: `remove ${venv}; \`aachat up\` reinstalls it`,
    };
  }
}

async function checkConfig(file: string, isDefault: boolean): Promise<{ check: Check; config?: AppserviceConfig }> {
  if (isDefault && !existsSync(file)) {
    return {
      check: {
        name: "config",
        status: "warn",
        detail: `${file} does not exist yet`,
        fix: "`aachat up` creates it on first run",
      },
    };
  }
  try {
    const config = await loadConfigFile(file);
    return { check: { name: "config", status: "ok", detail: file }, config };
  } catch (error) {
    return {
      check: { name: "config", status: "fail", detail: (error as Error).message, fix: "correct the named key" },
    };
  }
}

async function checkRegistration(config: AppserviceConfig): Promise<{ check: Check; registration?: Registration }> {
  const name = "registration";
  try {
    const registration = await loadRegistration(config.appservice.registrationFile);
    const expected = agentNamespaceRegex(config.homeserver.serverName);
    if (!(registration.namespaces.users ?? []).some((n) => n.exclusive && n.regex === expected)) {
      return {
        check: {
          name,
          status: "fail",
          detail: `no exclusive user namespace ${expected}`,
          fix: "regenerate it with `aachat registration`",
        },
      };
    }
    if (registration.url !== config.appservice.url) {
      return {
        check: {
          name,
          status: "warn",
          detail: `its url ${registration.url} differs from appservice.url ${config.appservice.url}`,
          fix: "make them equal and restart the homeserver",
        },
        registration,
      };
    }
    return { check: { name, status: "ok", detail: config.appservice.registrationFile }, registration };
  } catch (error) {
    return { check: { name, status: "fail", detail: (error as Error).message } };
  }
}

async function checkPort(
  name: string,
  host: string,
  port: number,
  ourServiceUp: boolean,
  flag: string,
): Promise<Check> {
  if (await isPortFree(host, port)) return { name, status: "ok", detail: `${host}:${port} is free` };
  if (ourServiceUp) return { name, status: "ok", detail: `${host}:${port} is served by the running stack` };
  return {
    name,
    status: "fail",
    detail: `${host}:${port} is in use by another program`,
    fix: `stop it, or choose another port with \`aachat up ${flag} PORT\``,
  };
}

async function checkHomeserver(config: AppserviceConfig, registration: Registration, up: boolean): Promise<Check> {
  const name = "homeserver";
  if (!up)
    return {
      name,
      status: "warn",
      detail: `not running at ${config.homeserver.url}`,
      fix: "start it with `aachat up`",
    };
  const response = await fetch(`${config.homeserver.url}/_matrix/client/v3/account/whoami`, {
    headers: { authorization: `Bearer ${registration.as_token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json().catch(() => ({}))) as { user_id?: string; errcode?: string };
  if (response.ok)
    return { name, status: "ok", detail: `${config.homeserver.url} accepts the registration (bot ${body.user_id})` };
  return {
    name,
    status: "fail",
    detail: `${config.homeserver.url} refuses the registration's as_token (${body.errcode ?? response.status})`,
    fix: "the homeserver loaded a different registration: give it this file in app_service_config_files and restart it",
  };
}

async function isHttpUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return response.ok;
  } catch {
    return false;
  }
}

export function render(checks: Check[]): string {
  const mark: Record<Status, string> = { ok: "✓", warn: "!", fail: "✗" };
  const lines = checks.map((check) => {
    const head = `${mark[check.status]} ${check.name.padEnd(16)} ${check.detail}`;
    return check.fix && check.status !== "ok" ? `${head}\n  ${" ".repeat(16)} → ${check.fix}` : head;
  });
  const failed = checks.filter((check) => check.status === "fail").length;
  const warned = checks.filter((check) => check.status === "warn").length;
  const summary =
    failed > 0
      ? `${failed} check(s) failed.`
      : warned > 0
        ? `No check failed; ${warned} warning(s) above.`
        : "All checks passed.";
  lines.push("", summary);
  return lines.join("\n");
}

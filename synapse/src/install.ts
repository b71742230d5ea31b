import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { SynapseInstallError } from "./errors.ts";
import { tailLines } from "./log-tail.ts";
import { findPython } from "./python.ts";
import { relocateVenv } from "./relocate-venv.ts";
import { runCommand } from "./run-command.ts";
import { SYNAPSE_VERSION } from "./version.ts";

const PROGRESS_INTERVAL_MS = 10_000;
const MARKER_FILE = "aachat-venv.json";
const PIP_LOG_FILE = "aachat-pip-install.log";

export interface InstallOptions {
  logger: Logger;
  /** Defaults to $AACHAT_SYNAPSE_VENV, then `${XDG_CACHE_HOME ?? ~/.cache}/aachat/synapse-${SYNAPSE_VERSION}`. */
  venvDir?: string;
  onProgress?: (msg: string) => void;
}

export function defaultVenvDir(): string {
  if (process.env.AACHAT_SYNAPSE_VENV) return path.resolve(process.env.AACHAT_SYNAPSE_VENV);
  return path.join(aachatCacheDir(), `synapse-${SYNAPSE_VERSION}`);
}

function aachatCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "aachat");
}

export function venvPython(venvDir: string): string {
  return path.join(venvDir, "bin", "python");
}

/**
 * Makes sure a virtualenv with Synapse SYNAPSE_VERSION exists. The venv is built in a temporary sibling
 * directory and renamed into place only once complete, so an interrupted install never looks finished.
 */
export async function ensureSynapseInstalled(opts: InstallOptions): Promise<{ venvDir: string; python: string }> {
  const venvDir = path.resolve(opts.venvDir ?? defaultVenvDir());
  const python = venvPython(venvDir);
  const installed = await installedSynapseVersion(python);
  if (installed === SYNAPSE_VERSION) return { venvDir, python };

  const exists = await pathExists(venvDir);
  if (exists && !(await isReplaceable(venvDir))) {
    throw new SynapseInstallError(
      `${venvDir} exists but does not hold a working Synapse ${SYNAPSE_VERSION}` +
        (installed ? ` (it has ${installed})` : "") +
        ` and was not created by aachat, so it was left alone. Remove it, or point AACHAT_SYNAPSE_VENV at another directory`,
      undefined,
      "",
    );
  }

  const basePython = await findPython();
  await mkdir(path.dirname(venvDir), { recursive: true });
  await removeAbandonedSiblings(venvDir, opts.logger);

  const staging = `${venvDir}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(staging);
  const pipLog = path.join(staging, PIP_LOG_FILE);
  const failedLog = `${venvDir}-install-failed.log`;
  opts.logger.info(
    { venvDir, python: basePython.path, pythonVersion: basePython.version },
    "installing Synapse %s",
    SYNAPSE_VERSION,
  );
  opts.onProgress?.(
    `Installing Synapse ${SYNAPSE_VERSION} into ${venvDir} (first run only; usually takes a minute or two)`,
  );

  const started = Date.now();
  const timer = setInterval(() => {
    opts.onProgress?.(`still installing Synapse (${Math.round((Date.now() - started) / 1000)}s)`);
  }, PROGRESS_INTERVAL_MS);
  try {
    await runLogged(
      basePython.path,
      ["-m", "venv", staging],
      pipLog,
      "creating the virtualenv failed" + ` (on Debian/Ubuntu install the venv module: "apt install python3-venv")`,
      failedLog,
    );
    await runLogged(
      venvPython(staging),
      ["-m", "pip", "install", "--no-input", `matrix-synapse==${SYNAPSE_VERSION}`],
      pipLog,
      `"pip install matrix-synapse==${SYNAPSE_VERSION}" failed`,
      failedLog,
    );
    const stagedVersion = await installedSynapseVersion(venvPython(staging));
    if (stagedVersion !== SYNAPSE_VERSION) {
      await failWithLog(
        `after pip finished, "import synapse" reported ${stagedVersion ?? "an error"}`,
        pipLog,
        failedLog,
      );
    }
    await relocateVenv(staging, venvDir);
    await writeFile(
      path.join(staging, MARKER_FILE),
      JSON.stringify(
        { synapseVersion: SYNAPSE_VERSION, python: basePython, installedAt: new Date().toISOString() },
        null,
        2,
      ),
    );
    if (exists) await moveAsideAndRemove(venvDir);
    await moveIntoPlace(staging, venvDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(timer);
  }

  if ((await installedSynapseVersion(python)) !== SYNAPSE_VERSION) {
    throw new SynapseInstallError(
      `the virtualenv at ${venvDir} does not run after being moved into place`,
      undefined,
      "",
    );
  }
  opts.logger.info(
    { venvDir, seconds: Math.round((Date.now() - started) / 1000) },
    "Synapse %s installed",
    SYNAPSE_VERSION,
  );
  return { venvDir, python };
}

async function installedSynapseVersion(python: string): Promise<string | undefined> {
  try {
    const result = await runCommand(python, ["-c", "import synapse; print(synapse.__version__)"], {
      timeoutMs: 60_000,
    });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

async function isReplaceable(venvDir: string): Promise<boolean> {
  const insideOurCache = path.dirname(venvDir) === aachatCacheDir();
  return insideOurCache || (await pathExists(path.join(venvDir, MARKER_FILE)));
}

async function runLogged(
  command: string,
  args: string[],
  logPath: string,
  what: string,
  failedLog: string,
): Promise<void> {
  const fd = openSync(logPath, "a");
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
    const child = spawn(command, args, {
      stdio: ["ignore", fd, fd],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" },
    });
    child.once("error", resolve);
    child.once("close", (code, signal) => resolve({ code, signal }));
  }).finally(() => closeSync(fd));
  if (outcome instanceof Error) await failWithLog(`${what}: ${outcome.message}`, logPath, failedLog);
  else if (outcome.code !== 0) {
    await failWithLog(
      `${what} (${outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.code}`})`,
      logPath,
      failedLog,
    );
  }
}

/** Keeps the log outside the staging directory, which is deleted on failure. */
async function failWithLog(what: string, logPath: string, failedLog: string): Promise<never> {
  const tail = await tailLines(logPath, 30);
  const kept = await copyFile(logPath, failedLog).then(
    () => failedLog,
    () => undefined,
  );
  throw new SynapseInstallError(what, kept, tail);
}

async function moveIntoPlace(staging: string, venvDir: string): Promise<void> {
  try {
    await rename(staging, venvDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another aachat finished installing first; use its venv if it works.
    if (
      (code === "ENOTEMPTY" || code === "EEXIST") &&
      (await installedSynapseVersion(venvPython(venvDir))) === SYNAPSE_VERSION
    ) {
      await rm(staging, { recursive: true, force: true });
      return;
    }
    throw err;
  }
}

async function moveAsideAndRemove(dir: string): Promise<void> {
  const aside = `${dir}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(dir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Removes staging/stale directories left by installs whose process no longer runs. */
async function removeAbandonedSiblings(venvDir: string, logger: Logger): Promise<void> {
  const base = path.basename(venvDir);
  const pattern = new RegExp(`^${escapeRegExp(base)}\\.(?:partial|stale)-(\\d+)-[0-9a-f]+$`);
  for (const entry of await readdir(path.dirname(venvDir))) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (!pid || isProcessAlive(pid)) continue;
    logger.info({ dir: entry }, "removing an abandoned Synapse install directory");
    await rm(path.join(path.dirname(venvDir), entry), { recursive: true, force: true });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

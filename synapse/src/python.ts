import { access, constants, realpath } from "node:fs/promises";
import path from "node:path";
import { PythonMissingError, PythonTooOldError } from "./errors.ts";
import { runCommand } from "./run-command.ts";
import { MIN_PYTHON } from "./version.ts";

export interface PythonInfo {
  path: string;
  version: string;
}

// `python3` first; the versioned names catch machines whose default python3 is older than Synapse needs.
const CANDIDATE_NAMES = ["python3", "python", "python3.14", "python3.13", "python3.12", "python3.11", "python3.10"];

const VERSION_PROBE = "import sys; print('.'.join(str(p) for p in sys.version_info[:3]))";

/** Finds a Python >= MIN_PYTHON: $AACHAT_PYTHON if set (and only it), else the first fitting one on PATH. */
export async function findPython(): Promise<PythonInfo> {
  const forced = process.env.AACHAT_PYTHON;
  if (forced) {
    const info = await probePython(forced);
    if (!info) throw new PythonMissingError(`AACHAT_PYTHON is set to "${forced}", but running it failed`);
    if (!isRecentEnough(info.version)) throw new PythonTooOldError([info]);
    return info;
  }

  const tooOld: PythonInfo[] = [];
  const seen = new Set<string>();
  for (const name of CANDIDATE_NAMES) {
    const found = await findOnPath(name);
    if (!found) continue;
    const real = await realpath(found).catch(() => found);
    if (seen.has(real)) continue;
    seen.add(real);
    const info = await probePython(found);
    if (!info) continue;
    if (isRecentEnough(info.version)) return info;
    tooOld.push(info);
  }
  if (tooOld.length > 0) throw new PythonTooOldError(tooOld);
  throw new PythonMissingError(`none of ${CANDIDATE_NAMES.join(", ")} is on PATH`);
}

export function isRecentEnough(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

async function probePython(executable: string): Promise<PythonInfo | undefined> {
  try {
    const result = await runCommand(executable, ["-c", VERSION_PROBE], { timeoutMs: 15_000 });
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(result.stdout)?.[1];
    if (result.exitCode !== 0 || !version) return undefined;
    return { path: executable, version };
  } catch {
    return undefined;
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

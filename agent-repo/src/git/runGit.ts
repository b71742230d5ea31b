import { execFile } from "node:child_process";
import { GitCommandError } from "../AgentRepoError.ts";

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GitOptions {
  /** Return a failed command's result instead of throwing. */
  allowFailure?: boolean;
  /** `-c key=value` settings for this one command (e.g. a fallback identity). */
  config?: Readonly<Record<string, string>>;
}

// These point git at another repository; one inherited from a surrounding git hook would
// make every command act on the wrong repository.
const REPOSITORY_LOCATION_VARIABLES = new Set([
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_COMMON_DIR",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
]);

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs git in `cwd`. Output is in the C locale so results can be read reliably, and git
 * never waits for a password on a terminal: the runtime has none, so a missing
 * credential fails at once with git's reason.
 */
export function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const configArgs = Object.entries(options.config ?? {}).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...configArgs, ...args],
      { cwd, env: gitEnvironment(), maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (typeof error?.code === "string") {
          reject(
            new GitCommandError(args, cwd, -1, `could not run git (${error.code}); is git installed and on PATH?`),
          );
          return;
        }
        // A git killed by a signal has no exit code.
        const exitCode = error ? (error.code ?? -1) : 0;
        if (exitCode !== 0 && !options.allowFailure) {
          reject(new GitCommandError(args, cwd, exitCode, gitReason(stderr, stdout)));
          return;
        }
        resolve({ stdout, stderr, exitCode });
      },
    );
  });
}

/** Git's own explanation in one line: its `error:`/`fatal:` lines, or else its last line. */
export function gitReason(stderr: string, stdout = ""): string {
  const lines = `${stderr}\n${stdout}`
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const errors = lines
    .filter((line) => /^(fatal|error):/.test(line))
    .map((line) => line.replace(/^(fatal|error):\s*/, "").replace(/\.$/, ""));
  return errors.length > 0 ? errors.join("; ") : (lines.at(-1) ?? "no reason given");
}

function gitEnvironment(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !REPOSITORY_LOCATION_VARIABLES.has(name));
  return { ...Object.fromEntries(inherited), LC_ALL: "C", LANGUAGE: "C", GIT_TERMINAL_PROMPT: "0" };
}

import { getSystemErrorName } from "node:util";
import { GitConstructError, GitError, simpleGit } from "simple-git";
import { GitCommandError } from "../AgentRepoError.ts";
import { environmentGuard, gitEnvironment } from "./gitEnvironment.ts";

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

/** Runs git in `cwd` through simple-git, in the environment `gitEnvironment` describes. */
export async function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  // simple-git types the exit code as a number, but a git killed by a signal has none.
  let result: { stdout: string; stderr: string; exitCode: number | null } | undefined;
  const environment = gitEnvironment();
  try {
    await simpleGit({
      baseDir: cwd,
      config: Object.entries(options.config ?? {}).map(([key, value]) => `${key}=${value}`),
      ...environmentGuard(environment),
      // simple-git counts a failure only when git also wrote to stderr, so a quiet
      // `rev-parse --verify --quiet` would pass: the exit code is judged below instead.
      errors: (_error, output) => {
        result = {
          stdout: Buffer.concat(output.stdOut).toString("utf8"),
          stderr: Buffer.concat(output.stdErr).toString("utf8"),
          exitCode: output.exitCode,
        };
        return undefined;
      },
    })
      .env(environment)
      .raw([...args]);
  } catch (error) {
    // The directory is missing, or simple-git refused the command before running it.
    if (!(error instanceof GitError)) throw error;
    throw new GitCommandError(
      args,
      cwd,
      -1,
      error instanceof GitConstructError ? couldNotRun("ENOENT") : error.message,
    );
  }
  if (result === undefined) throw new Error(`simple-git gave no outcome for git ${args.join(" ")}`);
  const { stdout, stderr } = result;
  // Node reports a git it could not start with a negative errno as the exit code.
  if (result.exitCode !== null && result.exitCode < 0) {
    throw new GitCommandError(args, cwd, -1, couldNotRun(getSystemErrorName(result.exitCode)));
  }
  const exitCode = result.exitCode ?? -1;
  if (exitCode !== 0 && !options.allowFailure) {
    throw new GitCommandError(args, cwd, exitCode, gitReason(stderr, stdout));
  }
  return { stdout, stderr, exitCode };
}

function couldNotRun(code: string): string {
  return `could not run git (${code}); is git installed and on PATH?`;
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

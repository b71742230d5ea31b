import type { SimpleGitOptions } from "simple-git";

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

/**
 * The environment git runs in: the user's own, so their ssh command, askpass helper and
 * config file still reach their remotes, without the repository-location variables. Output
 * is in the C locale so results can be read reliably, and git never waits for a password
 * on a terminal: the runtime has none, so a missing credential fails at once with git's
 * reason.
 */
export function gitEnvironment(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !REPOSITORY_LOCATION_VARIABLES.has(name));
  return { ...Object.fromEntries(inherited), LC_ALL: "C", LANGUAGE: "C", GIT_TERMINAL_PROMPT: "0" };
}

/**
 * simple-git refuses a `GIT_*` (or `EDITOR`, `PAGER`, ...) variable passed to `.env()` unless
 * it is named in `allowEnvironment`, and refuses variables such as `GIT_SSH_COMMAND` or
 * `GIT_CONFIG_GLOBAL` unless their category is unlocked. The environment above is chosen on
 * purpose, so every variable in it is allowed and the categories its variables can fall in
 * are unlocked. The arguments stay guarded: upload-pack, credential-helper, url-rewrite and
 * the other injections a hostile URL or name could carry are still refused.
 */
export function environmentGuard(
  environment: NodeJS.ProcessEnv,
): Pick<SimpleGitOptions, "allowEnvironment" | "unsafe"> {
  return {
    allowEnvironment: Object.keys(environment),
    unsafe: {
      allowUnsafeAskPass: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeDiffExternal: true,
      allowUnsafeEditor: true,
      allowUnsafeExec: true,
      allowUnsafeGitProxy: true,
      allowUnsafePager: true,
      allowUnsafeSshCommand: true,
      allowUnsafeTemplateDir: true,
    },
  };
}

// First: the V8 settings apply to the code loaded after them.
import "./compactV8.ts";
import { mkdir } from "node:fs/promises";
import pino from "pino";
import { AlreadyRunningError } from "../control/ControlServer.ts";
import { readRuntimeConfig, RuntimeConfigError } from "../files/config.ts";
import { runtimePaths } from "../files/paths.ts";
import { Runtime } from "./Runtime.ts";

/**
 * `aachat-runtime NAME`: the runtime of one agent, as a long-running process. The CLI's
 * `aachat agent start` starts it detached; its log is runtime.log in its state folder.
 * Exit codes: 0 stopped, 1 crashed, 2 usage, 75 already running, 77 token refused or
 * replaced, 78 configuration.
 */
const EXIT = { usage: 2, alreadyRunning: 75, auth: 77, config: 78 } as const;

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]{1,31}$/.test(name)) {
  process.stderr.write("usage: aachat-runtime AGENT_NAME (normally started by `aachat agent start`)\n");
  process.exit(EXIT.usage);
}

const paths = runtimePaths(name);
await mkdir(paths.dir, { recursive: true, mode: 0o700 });
const log = pino(
  {
    level: process.env.AACHAT_RUNTIME_LOG_LEVEL ?? "info",
    base: { agent: name },
    redact: {
      paths: ["token", "*.token", "authorization", "*.authorization", "headers.authorization"],
      censor: "[secret]",
    },
  },
  pino.destination({ dest: paths.log, append: true, mkdir: true, sync: true }),
);

function fail(code: number, message: string): never {
  log.fatal(message);
  log.flush();
  process.stderr.write(`aachat-runtime: ${message}\n`);
  process.exit(code);
}

process.on("uncaughtException", (error) => {
  log.fatal({ err: error }, "the runtime crashed");
  log.flush();
  process.stderr.write(`aachat-runtime: crashed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

let runtime: Runtime;
try {
  const { config, token } = await readRuntimeConfig(paths);
  runtime = await Runtime.start({ paths, config, token, log });
} catch (error) {
  if (error instanceof RuntimeConfigError) fail(EXIT.config, error.message);
  if (error instanceof AlreadyRunningError) fail(EXIT.alreadyRunning, error.message);
  throw error;
}

// `on`, not `once`: signal-exit (under write-file-atomic) kills the process at a signal it
// sees no other listener for, which would cut a shutdown short during a state write.
let shuttingDown = false;
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, "asked to shut down");
    void runtime.stop("shutdown");
  });
}

// Not awaited: a module waiting at a top-level await keeps its whole frame alive, and in
// the bundle that frame holds every bundled module's top-level bindings (1 MiB of heap).
void runtime.exited.then((exit) => {
  log.flush();
  if (exit.reason === "auth" || exit.reason === "replaced") {
    process.stderr.write(`aachat-runtime: ${exit.error?.message ?? exit.reason}\n`);
    process.exit(EXIT.auth);
  }
  process.exit(0);
});

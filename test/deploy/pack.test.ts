// The installable package end to end: `npm run pack` builds it, `npm install -g` installs it
// into a temporary prefix, and the installed `aachat` runs from an unrelated folder with its
// own HOME and XDG dirs: --version, --help, completion, then `aachat up`, an agent's runtime
// started and stopped, and Ctrl-C. The install must hold none of the build tools (esbuild,
// tsx, prisma): whatever ran, nothing was compiled at run time.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { defaultVenvDir, findFreePort } from "@aachat/synapse";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Compilers and code generators: a checkout runs them, the package must not need them. */
const BUILD_TOOLS = ["esbuild", "tsx", "prisma", "@esbuild", "@prisma/engines"];

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** What the program reads on stdin; none by default. */
  input?: string;
}

function run(command: string, args: string[], { input, ...options }: RunOptions): Run {
  const child = spawn(command, args, { ...options, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  child.stdin?.end(input);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function runToEnd(command: string, args: string[], options: RunOptions) {
  const started = Date.now();
  const running = run(command, args, options);
  const code = await running.exited;
  return { code, output: running.output(), seconds: (Date.now() - started) / 1000 };
}

/** Resolves when the process has printed `text`; rejects if it exits first or after the timeout. */
function waitForOutput(running: Run, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!running.output().includes(text)) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for "${text}"; output:\n${running.output()}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`exited (${code}) before "${text}"; output:\n${running.output()}`));
    };
    const done = () => {
      clearTimeout(timer);
      running.child.stdout?.off("data", onData);
      running.child.stderr?.off("data", onData);
      running.child.off("exit", onExit);
    };
    running.child.stdout?.on("data", onData);
    running.child.stderr?.on("data", onData);
    running.child.once("exit", onExit);
    onData();
  });
}

/** The names of every package under a node_modules folder, nested ones included. */
async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dirs = entry.name.startsWith("@")
      ? (await readdir(path.join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of dirs) {
      names.push(name);
      names.push(...(await installedPackages(path.join(nodeModules, name, "node_modules"))));
    }
    if (entry.name.startsWith("@")) names.push(entry.name);
  }
  return names;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((entry) => !entry.split(path.sep).includes("node_modules")).sort();
}

describe("the installable package", () => {
  let work: string | undefined;
  let up: Run | undefined;
  /** Stops the agents' runtimes a failed run may have left (they outlive the CLI). */
  let stopRuntimes: (() => Promise<unknown>) | undefined;

  afterAll(async () => {
    await stopRuntimes?.();
    if (up && up.child.exitCode === null) {
      up.child.kill("SIGKILL");
      await up.exited;
    }
    // A process the stack started may still be closing its files in there.
    if (work) await rm(work, { recursive: true, force: true, maxRetries: 5 });
  });

  it(
    "installs with npm, runs from any folder, and keeps its data in the XDG data dir",
    { timeout: 900_000 },
    async () => {
      const testStarted = Date.now();
      work = await mkdtemp(path.join(tmpdir(), "aachat-pack-"));
      const [prefix, home, dataHome, elsewhere] = ["prefix", "home", "data", "elsewhere"].map((name) =>
        path.join(work ?? "", name),
      ) as [string, string, string, string];
      await Promise.all([home, dataHome, elsewhere].map((dir) => mkdir(dir, { recursive: true })));

      const packed = await runToEnd(process.execPath, ["scripts/pack.mjs"], { cwd: ROOT, env: process.env });
      expect(packed.code, packed.output).toBe(0);
      const tarball = /^(\S+\.tgz) /m.exec(packed.output)?.[1] ?? "";
      expect(path.basename(tarball)).toMatch(/^aachat-\d+\.\d+\.\d+\.tgz$/);
      const packSize = (await stat(tarball)).size;

      // The user's own npm setup (its cache included), as `npm install -g` would see it.
      const installed = await runToEnd(
        "npm",
        ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tarball],
        {
          cwd: elsewhere,
          env: process.env,
        },
      );
      expect(installed.code, installed.output).toBe(0);
      const packageDir = path.join(prefix, "lib", "node_modules", "aachat");
      const packages = await installedPackages(path.join(packageDir, "node_modules"));
      expect(packages).toContain("better-sqlite3");
      expect(packages.filter((name) => BUILD_TOOLS.includes(name))).toEqual([]);
      const packageFiles = await listFiles(packageDir);

      // Nothing of the checkout or of the test run: only the installed bin and Node on PATH.
      const env: NodeJS.ProcessEnv = {
        PATH: [path.join(prefix, "bin"), path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(
          ":",
        ),
        HOME: home,
        XDG_DATA_HOME: dataHome,
        XDG_CONFIG_HOME: path.join(home, "config"),
        XDG_STATE_HOME: path.join(home, "state"),
        // The Synapse the test run installed; without it the first `up` installs one (and says so).
        AACHAT_SYNAPSE_VENV: defaultVenvDir(),
      };
      const aachat = path.join(prefix, "bin", "aachat");
      stopRuntimes = () => runToEnd(aachat, ["agent", "stop", "--all"], { cwd: elsewhere, env });
      const version = await runToEnd(aachat, ["--version"], { cwd: elsewhere, env });
      expect(version).toMatchObject({ code: 0, output: "0.1.0\n" });
      const help = await runToEnd(aachat, ["--help"], { cwd: elsewhere, env });
      expect(help.code).toBe(0);
      expect(help.output).toMatch(/^\s+up \[options\]/m);
      expect(help.output).toMatch(/^\s+completion /m);
      const completion = await runToEnd(aachat, ["completion", "bash"], { cwd: elsewhere, env });
      expect(completion.code).toBe(0);
      expect(completion.output).toContain("complete -o default -F _aachat aachat");

      const [port, synapsePort] = [await findFreePort(), await findFreePort()];
      const upStarted = Date.now();
      up = run(aachat, ["up", "--port", String(port), "--synapse-port", String(synapsePort)], { cwd: elsewhere, env });
      await waitForOutput(up, "aachat is up.", 180_000);
      const upSeconds = (Date.now() - upStarted) / 1000;
      expect(up.output()).toContain(`console:    http://127.0.0.1:${port}/`);
      // The console's script comes prebuilt with the package (there is no esbuild to make it).
      const script = await fetch(`http://127.0.0.1:${port}/console.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(10_000);

      // An agent's runtime from the package: it starts the Claude ACP agent installed with it.
      const admin = JSON.parse(await readFile(path.join(dataHome, "aachat", "admin-credentials.json"), "utf8")) as {
        username: string;
        password: string;
      };
      const login = await runToEnd(aachat, ["login", "-u", admin.username, "--password-stdin"], {
        cwd: elsewhere,
        env,
        input: admin.password,
      });
      expect(login.code, login.output).toBe(0);
      for (const args of [
        ["agent", "create", "helper"],
        ["project", "create", "demo"],
        ["project", "add-agent", "demo", "helper"],
      ]) {
        const done = await runToEnd(aachat, args, { cwd: elsewhere, env });
        expect(done.code, `${args.join(" ")}: ${done.output}`).toBe(0);
      }
      const started = await runToEnd(aachat, ["agent", "start", "helper", "-p", "demo", "--skip-auth-check"], {
        cwd: elsewhere,
        env,
      });
      expect(started.code, started.output).toBe(0);
      expect(started.output).toContain("ready (claude-agent-acp)");
      const stopped = await runToEnd(aachat, ["agent", "stop", "helper"], { cwd: elsewhere, env });
      expect(stopped.code, stopped.output).toBe(0);
      expect(existsSync(path.join(dataHome, "aachat", "agents", "helper", ".git"))).toBe(true);

      up.child.kill("SIGINT");
      expect(await up.exited).toBe(0);
      expect(up.output()).toMatch(/Stopping \(SIGINT\)…[\s\S]*Stopped\.\n/);

      const dataDir = path.join(dataHome, "aachat");
      for (const file of ["aachat.yaml", "registration.yaml", "admin-credentials.json", "synapse/homeserver.yaml"]) {
        expect(existsSync(path.join(dataDir, file)), file).toBe(true);
      }
      // Filled from the template the package carries, with its comments.
      expect(await readFile(path.join(dataDir, "registration.yaml"), "utf8")).toContain("# The appservice's id");
      expect(await readdir(elsewhere)).toEqual([]);
      // Nothing was built or written inside the installed package.
      expect(await listFiles(packageDir)).toEqual(packageFiles);

      const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
      process.stderr.write(
        `pack: ${mb(packSize)} MB in ${packed.seconds.toFixed(0)} s; npm install -g: ${installed.seconds.toFixed(0)} s; ` +
          `aachat up: ${upSeconds.toFixed(0)} s; test: ${((Date.now() - testStarted) / 1000).toFixed(0)} s\n`,
      );
    },
  );
});

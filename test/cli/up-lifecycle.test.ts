import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  defaultVenvDir,
  findFreePort,
  isSynapseOf,
  readPidFile,
  synapseProcessesOf,
  venvPython,
  waitForHomeserver,
} from "@aachat/synapse";
import { runCli, spawnCli, type CliProcess } from "../support/cli.ts";

const STACK_FILES = [
  "aachat.yaml",
  "aachat.lock",
  "registration.yaml",
  "synapse/aachat-synapse.pid",
  "synapse/aachat-overrides.yaml",
  "synapse/homeserver.yaml",
];

describe("aachat up holds its data directory: one stack at a time, none left behind", () => {
  let dataDir: string;
  let synapseDir: string;
  let pidFile: string;
  let lockFile: string;
  let homeserverUrl: string;
  let args: string[];
  const stacks: CliProcess[] = [];

  const startStack = async (): Promise<CliProcess> => {
    const stack = spawnCli(args);
    stacks.push(stack);
    await stack.waitForOutput("aachat is up.");
    return stack;
  };
  const versionsStatus = async (url: string) => (await fetch(`${url}/_matrix/client/versions`)).status;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "aachat-up-lifecycle-"));
    synapseDir = path.join(dataDir, "synapse");
    pidFile = path.join(synapseDir, "aachat-synapse.pid");
    lockFile = path.join(dataDir, "aachat.lock");
    const [synapsePort, appservicePort] = [await findFreePort(), await findFreePort()];
    homeserverUrl = `http://127.0.0.1:${synapsePort}`;
    args = ["up", "--data-dir", dataDir, "--port", String(appservicePort), "--synapse-port", String(synapsePort)];
  });

  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((stack) => stack.stop("SIGTERM")));
  });

  it("after a SIGKILLed aachat up, the next start comes up with exactly one Synapse", async () => {
    const killed = await startStack();
    const oldSynapse = await readPidFile(pidFile);
    expect(oldSynapse).toBeDefined();
    expect(await killed.stop("SIGKILL")).toBeNull();

    const stack = await startStack();
    expect(await versionsStatus(homeserverUrl)).toBe(200);
    const synapse = await readPidFile(pidFile);
    expect(synapse).toBeDefined();
    expect(synapse).not.toBe(oldSynapse);
    expect(await isSynapseOf(oldSynapse!, synapseDir)).toBe(false);
    expect(await synapseProcessesOf(synapseDir)).toEqual([synapse]);
    expect(await readPidFile(lockFile)).toBe(stack.process.pid);
  });

  it("stops a Synapse left running on the data directory, says so in one line, and comes up", async () => {
    // As left by a start killed where Synapse can't be tied to its parent's life (not Linux).
    const synapsePaths = ["homeserver.yaml", "aachat-overrides.yaml"].map((file) => path.join(synapseDir, file));
    const leftover = spawn(
      venvPython(defaultVenvDir()),
      ["-m", "synapse.app.homeserver", ...synapsePaths.flatMap((file) => ["--config-path", file])],
      { cwd: synapseDir, stdio: "ignore" },
    );
    const leftoverExited = new Promise((resolve) => leftover.once("exit", resolve));
    await writeFile(pidFile, `${leftover.pid}\n`);
    await waitForHomeserver(homeserverUrl, 120_000);

    const stack = await startStack();
    await leftoverExited;
    const lines = stack.stderr().split("\n");
    expect(lines.filter((line) => line.includes(String(leftover.pid)))).toEqual([
      `Stopped Synapse (pid ${leftover.pid}), left running by an earlier aachat up.`,
    ]);
    expect(await versionsStatus(homeserverUrl)).toBe(200);
    expect(await synapseProcessesOf(synapseDir)).toEqual([await readPidFile(pidFile)]);
  });

  it("refuses a second aachat up on a running data directory and changes nothing of the first", async () => {
    const first = await startStack();
    const before = await Promise.all(STACK_FILES.map((file) => readFile(path.join(dataDir, file))));
    const firstSynapse = await readPidFile(pidFile);

    // Other ports, as the old port-in-use advice suggested: still refused, before touching anything.
    const second = await runCli([
      "up",
      "--data-dir",
      dataDir,
      "--port",
      String(await findFreePort()),
      "--synapse-port",
      String(await findFreePort()),
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(`error: aachat is already running for ${dataDir} (pid ${first.process.pid})`);

    const after = await Promise.all(STACK_FILES.map((file) => readFile(path.join(dataDir, file))));
    after.forEach((content, index) => expect(content.equals(before[index]!), STACK_FILES[index]).toBe(true));
    expect(await versionsStatus(homeserverUrl)).toBe(200);
    expect(await synapseProcessesOf(synapseDir)).toEqual([firstSynapse]);
  });

  it("takes over a lock naming a live process that is not aachat; Ctrl-C then leaves no Synapse and no lock", async () => {
    await writeFile(lockFile, `${process.pid}\n`); // e.g. the pid of a killed aachat, since reused
    const stack = await startStack();
    const synapse = await readPidFile(pidFile);
    expect(await readPidFile(lockFile)).toBe(stack.process.pid);

    expect(await stack.stop("SIGINT")).toBe(0);
    expect(await isSynapseOf(synapse!, synapseDir)).toBe(false);
    expect(await synapseProcessesOf(synapseDir)).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(lockFile)).toBe(false);
  });
});

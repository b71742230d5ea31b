import { access, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSynapseInstalled, isPortFree, PortInUseError, startSynapse, SynapseStartError } from "../src/index.ts";
import { freePort, silentLogger, tempDir } from "./helpers.ts";

describe("startSynapse failures", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let python: string;

  beforeAll(async () => {
    tmp = await tempDir("fail");
    ({ python } = await ensureSynapseInstalled({ logger: silentLogger }));
  }, 180_000);
  afterAll(async () => {
    await tmp?.cleanup();
  });

  it("throws PortInUseError before spawning anything when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const dataDir = path.join(tmp.dir, "port-in-use");
    try {
      // A python that cannot run: had anything been spawned, the error would be a different one.
      const error = await startSynapse(
        path.join(tmp.dir, "no-such-python"),
        {
          dataDir,
          serverName: "localhost",
          bindAddress: "127.0.0.1",
          port,
          appserviceRegistrationFiles: [],
        },
        silentLogger,
      ).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(PortInUseError);
      expect(error).toMatchObject({ host: "127.0.0.1", port });
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      await expect(access(dataDir)).rejects.toThrow(); // not even a config was generated
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("throws SynapseStartError with the log lines that explain a broken appservice registration", async () => {
    const registration = path.join(tmp.dir, "broken-registration.yaml");
    // No as_token / hs_token: Synapse refuses to load it.
    await writeFile(registration, "id: broken\nurl: http://127.0.0.1:9\nsender_localpart: bot\nnamespaces: {}\n");
    const opts = {
      dataDir: path.join(tmp.dir, "broken"),
      serverName: "localhost",
      bindAddress: "127.0.0.1",
      port: await freePort(),
      appserviceRegistrationFiles: [registration],
      testMode: true,
    };

    const error = await startSynapse(python, opts, silentLogger).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(SynapseStartError);
    const message = (error as Error).message;
    expect(message).toContain("exited with code 1");
    expect(message).toContain("Required string field: 'as_token'");
    expect(message).toContain(path.join(opts.dataDir, "homeserver.log"));
    expect(message).toContain(path.join(opts.dataDir, "synapse.stdout.log"));
    expect(await isPortFree("127.0.0.1", opts.port)).toBe(true);
    await expect(access(path.join(opts.dataDir, "aachat-synapse.pid"))).rejects.toThrow();
  }, 60_000);

  it("kills Synapse and throws SynapseStartError when it is not ready in time", async () => {
    const opts = {
      dataDir: path.join(tmp.dir, "slow"),
      serverName: "localhost",
      bindAddress: "127.0.0.1",
      port: await freePort(),
      appserviceRegistrationFiles: [],
    };
    const error = await startSynapse(python, opts, silentLogger, 200).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SynapseStartError);
    expect((error as Error).message).toContain("did not answer");
    await expect(access(path.join(opts.dataDir, "aachat-synapse.pid"))).rejects.toThrow();
  }, 60_000);
});

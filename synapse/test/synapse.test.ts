import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import {
  ensureSynapseConfig,
  ensureSynapseInstalled,
  isPortFree,
  registerUser,
  startSynapse,
  UserExistsError,
  type RunningSynapse,
  type SynapseConfigOptions,
} from "../src/index.ts";
import { freePort, isAlive, silentLogger, tempDir } from "./helpers.ts";

// One real Synapse for the whole file; each test uses its own users.
describe("embedded Synapse", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let python: string;
  let opts: SynapseConfigOptions;
  let synapse: RunningSynapse | undefined;
  let sharedSecret: string;

  beforeAll(async () => {
    tmp = await tempDir("run");
    ({ python } = await ensureSynapseInstalled({ logger: silentLogger }));
    opts = {
      dataDir: path.join(tmp.dir, "data"),
      serverName: "localhost",
      bindAddress: "127.0.0.1",
      port: await freePort(),
      appserviceRegistrationFiles: [],
      testMode: true,
    };
    ({ registrationSharedSecret: sharedSecret } = await ensureSynapseConfig(python, opts, silentLogger));
    synapse = await startSynapse(python, opts, silentLogger);
  }, 180_000);

  afterAll(async () => {
    await synapse?.stop();
    await tmp?.cleanup();
  });

  async function login(username: string, password: string): Promise<Response> {
    return fetch(`${synapse?.url}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: username }, password }),
    });
  }

  it("keeps Synapse's generated shared secret and writes aachat's overrides", async () => {
    const again = await ensureSynapseConfig(python, opts, silentLogger);
    expect(again.registrationSharedSecret).toBe(sharedSecret);
    const generated = YAML.parse(await readFile(path.join(opts.dataDir, "homeserver.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(generated.registration_shared_secret).toBe(sharedSecret);
    const overrides = YAML.parse(await readFile(again.configPaths[1] ?? "", "utf8")) as Record<string, unknown>;
    expect(overrides).toMatchObject({ trusted_key_servers: [], bcrypt_rounds: 4, enable_registration: false });
    expect(overrides.registration_shared_secret).toBeUndefined();
  });

  it("registers a user by shared secret who can then log in with the password", async () => {
    const user = await registerUser({
      homeserverUrl: synapse!.url,
      sharedSecret,
      username: "alice",
      password: "alice-pw",
      displayName: "Alice",
    });
    expect(user.userId).toBe("@alice:localhost");
    expect(user.accessToken).not.toBe("");

    const whoami = await fetch(`${synapse!.url}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(await whoami.json()).toMatchObject({ user_id: "@alice:localhost", device_id: user.deviceId });

    const response = await login("alice", "alice-pw");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user_id: "@alice:localhost" });
    expect((await login("alice", "wrong")).status).toBe(403);
  });

  it("throws UserExistsError when the user is registered twice", async () => {
    await registerUser({ homeserverUrl: synapse!.url, sharedSecret, username: "bob", password: "pw1" });
    await expect(
      registerUser({ homeserverUrl: synapse!.url, sharedSecret, username: "bob", password: "pw2" }),
    ).rejects.toBeInstanceOf(UserExistsError);
  });

  it("raises rate limits in test mode: a burst of 40 messages all succeed", async () => {
    const { accessToken } = await registerUser({
      homeserverUrl: synapse!.url,
      sharedSecret,
      username: "chatty",
      password: "pw",
    });
    const headers = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };
    const created = await fetch(`${synapse!.url}/_matrix/client/v3/createRoom`, {
      method: "POST",
      headers,
      body: "{}",
    });
    const { room_id: roomId } = (await created.json()) as { room_id: string };
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${synapse!.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${i}`, {
          method: "PUT",
          headers,
          body: JSON.stringify({ msgtype: "m.text", body: `message ${i}` }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it("serves no federation endpoints", async () => {
    const response = await fetch(`${synapse!.url}/_matrix/federation/v1/version`);
    expect(response.status).toBe(404);
  });

  it("stops cleanly: the process is gone and the port is free again", async () => {
    const running = synapse!;
    await running.stop();
    await running.stop(); // idempotent
    await expect(running.exited).resolves.toBe(0);
    expect(isAlive(running.pid)).toBe(false);
    expect(await isPortFree(opts.bindAddress, opts.port)).toBe(true);
    await expect(access(path.join(opts.dataDir, "aachat-synapse.pid"))).rejects.toThrow();
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser } from "@aachat/synapse";
import { uniqueName } from "../support/api.ts";
import { scratchDir } from "../support/runtimeScene.ts";
import { startAppserviceProcess } from "../support/appservice.ts";
import type { CliProcess } from "../support/cli.ts";
import { freshTestDatabase, testDatabaseKind } from "../support/databases.ts";
import { CliUser } from "../support/faults/cliUser.ts";
import { expectEveryMessageAnsweredOnce as everyMessageAnsweredOnce, type Fault } from "../support/faults/faultRun.ts";
import { HttpHuman } from "../support/faults/httpHuman.ts";
import { MentionLoad, type LoadTarget } from "../support/faults/mentionLoad.ts";
import { killHard } from "../support/faults/processes.ts";
import { TcpProxy } from "../support/faults/tcpProxy.ts";

/**
 * The fault matrix for a homeserver that is already running, with the appservice as its
 * own process (`aachat appservice -c`) on the run's database (SQLite, then PostgreSQL in
 * the second pass), and the agent's runtime reaching it over a connection that can be cut.
 */
describe(`the appservice on its own (${testDatabaseKind()}) under faults`, { timeout: 900_000 }, () => {
  let appservice: { url: string; process: CliProcess; restart(): Promise<CliProcess> };
  let proxy: TcpProxy;
  let user: CliUser;
  let owner: HttpHuman;
  let agentName: string;
  let rooms: Omit<LoadTarget, "projectRoomId">;
  const team = uniqueName("chaos");

  beforeAll(async () => {
    const stack = inject("stack");
    appservice = await startAppserviceProcess(await freshTestDatabase("faults"));
    proxy = new TcpProxy({ host: "127.0.0.1", port: Number(new URL(appservice.url).port) });
    const proxied = `http://${await proxy.listen()}`;
    const registered = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username: uniqueName("owner"),
      password: randomBytes(12).toString("hex"),
    });
    owner = new HttpHuman(stack.homeserverUrl, registered.userId, registered.accessToken);
    user = CliUser.create(await scratchDir("faults-appservice"));
    agentName = uniqueName("steady");
    // The owner's machine reaches the appservice through the proxy, as over a network.
    const target = await user.agentInProject(
      owner,
      { homeserverUrl: stack.homeserverUrl, serverUrl: proxied },
      { team, project: "warmup", agent: agentName, displayName: "Steady" },
    );
    rooms = { agent: target.agent, dmRoomId: target.dmRoomId };
  });

  afterAll(async () => {
    await user?.stopRuntimes();
    await proxy?.close();
    await appservice?.process.stop("SIGTERM");
  });

  async function expectEveryMessageAnsweredOnce(fault: Fault): Promise<void> {
    const roomId = await user.projectWithAgent(owner, team, uniqueName(fault.name.split(" ")[0]!), agentName);
    const load = new MentionLoad(owner, { ...rooms, projectRoomId: roomId });
    await everyMessageAnsweredOnce(load, { ...fault, name: `${fault.name} (${testDatabaseKind()})` });
  }

  it("kill -9 of the appservice, then aachat appservice -c again: every message answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "killappservice SIGKILL of the appservice",
      inject: async () => {
        await killHard(appservice.process.process.pid!);
        await appservice.process.stop();
      },
      recover: async () => {
        appservice.process = await appservice.restart();
      },
    });
  });

  it("the runtime's connection cut: it reconnects by itself and every message is answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "cut the runtime's connection",
      inject: async () => {
        expect(proxy.connections).toBeGreaterThan(0);
        proxy.cutAll();
      },
      recover: async () => undefined,
    });
  });
});

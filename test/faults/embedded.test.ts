import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/api.ts";
import { scratchDir } from "../support/runtimeScene.ts";
import { EmbeddedStack } from "../support/faults/embeddedStack.ts";
import { expectEveryMessageAnsweredOnce as everyMessageAnsweredOnce, type Fault } from "../support/faults/faultRun.ts";
import type { HttpHuman } from "../support/faults/httpHuman.ts";
import { MentionLoad, type LoadTarget } from "../support/faults/mentionLoad.ts";
import { isAlive, killHard } from "../support/faults/processes.ts";

/**
 * The fault matrix on the embedded stack (`npm start`: Synapse and the appservice on
 * SQLite, an agent's runtime with the scripted ACP agent): each fault strikes three times
 * under a steady stream of messages, and every message must be answered exactly once,
 * whole, with the stack back through the one documented command or by itself.
 */
describe("the embedded stack under faults", { timeout: 900_000 }, () => {
  let stack: EmbeddedStack;
  let owner: HttpHuman;
  let agentName: string;
  let rooms: Omit<LoadTarget, "projectRoomId">;
  const team = uniqueName("chaos");

  beforeAll(async () => {
    stack = await EmbeddedStack.create(await scratchDir("faults-embedded"));
    await stack.start();
    owner = await stack.admin();
    agentName = uniqueName("steady");
    const servers = { homeserverUrl: stack.homeserverUrl, serverUrl: stack.appserviceUrl };
    const target = await stack.user.agentInProject(owner, servers, {
      team,
      project: "warmup",
      agent: agentName,
      displayName: "Steady",
    });
    rooms = { agent: target.agent, dmRoomId: target.dmRoomId };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A project of its own for each fault, so each row counts its own messages. */
  async function loadFor(fault: string): Promise<MentionLoad> {
    const roomId = await stack.user.projectWithAgent(owner, team, uniqueName(fault), agentName);
    return new MentionLoad(owner, { ...rooms, projectRoomId: roomId });
  }

  async function expectEveryMessageAnsweredOnce(fault: Fault): Promise<void> {
    await everyMessageAnsweredOnce(await loadFor(fault.name.split(" ")[0]!.toLowerCase()), fault);
  }

  it("Ctrl-C and npm start again: every message answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "ctrlc Ctrl-C and start",
      inject: async () => {
        expect(await stack.interrupt()).toBe(0);
      },
      recover: () => stack.start(),
    });
  });

  it("kill -9 of aachat up, then npm start: every message answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "killup SIGKILL of aachat up",
      inject: () => stack.killUp(),
      recover: () => stack.start(),
    });
  });

  it("kill -9 of Synapse alone: aachat up starts it again and every message is answered once", async () => {
    let killed = 0;
    await expectEveryMessageAnsweredOnce({
      name: "killsynapse SIGKILL of Synapse",
      inject: async () => killHard((killed = await stack.synapsePid())),
      recover: () => stack.synapseRestarted(killed),
    });
  });

  it("kill -9 of the agent's runtime, then aachat agent start --all: every message answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "killruntime SIGKILL of the runtime",
      inject: async () => killHard(await stack.user.runtimePid(agentName)),
      recover: async () => {
        await stack.user.cli("agent", "start", "--all");
      },
    });
  });

  it("a power cut (every process killed at once), then npm start and agent start --all: every message answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "powercut SIGKILL of every process at once",
      inject: async () => stack.powerCut([await stack.user.runtimePid(agentName)]),
      recover: async () => {
        await stack.start();
        await stack.user.cli("agent", "start", "--all");
      },
    });
  });

  it("kill -9 of the ACP agent process: the runtime recovers by itself and every message is answered once", async () => {
    await expectEveryMessageAnsweredOnce({
      name: "killacp SIGKILL of the ACP agent",
      inject: async () => {
        const pids = await stack.user.acpPids(agentName);
        expect(pids.length).toBeGreaterThan(0);
        await Promise.all(pids.map((pid) => killHard(pid)));
        for (const pid of pids) expect(await isAlive(pid)).toBe(false);
      },
      recover: async () => undefined,
    });
  });
});

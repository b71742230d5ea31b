import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { uniqueName } from "../support/api.ts";
import { startAppserviceProcess, startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import type { CliProcess } from "../support/cli.ts";
import { freshTestDatabase } from "../support/databases.ts";
import { HttpHuman } from "../support/faults/httpHuman.ts";
import { MentionLoad } from "../support/faults/mentionLoad.ts";
import { createHuman, stopHumans } from "../support/humans.ts";
import { mention, projectScene } from "../support/projectScene.ts";
import { asPuppet } from "../support/puppets.ts";
import { marker, runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { killProcess, startProcess } from "../support/topologyProcess.ts";
import { waitForMembership, waitUntil } from "../support/waits.ts";

/**
 * The checks that matter, against Synapse split into workers behind nginx (the global setup
 * of vitest.workers.config.ts): the appservice on PostgreSQL reaches the homeserver through
 * nginx, a generic worker sends it the homeserver's transactions, and an event persister
 * writes every event.
 */
describe("aachat on Synapse with workers", { timeout: 300_000 }, () => {
  const topology = inject("workerTopology");
  let running: TestAppservice | undefined;
  const runtimes: RunningAgent[] = [];

  afterAll(async () => {
    stopHumans();
    for (const agent of runtimes) await agent.runtime.stop("stop");
    await running?.appservice.close();
  });

  async function freshAppservice(): Promise<TestAppservice> {
    for (const agent of runtimes.splice(0)) await agent.runtime.stop("stop");
    await running?.appservice.close();
    running = await startTestAppservice({ database: await freshTestDatabase("workers") });
    return running;
  }

  it("answers a mention through a runtime, with the transactions sent by the worker", async () => {
    const { appservice } = await freshAppservice();
    const scene = await projectScene(appservice.url);
    const agent = await runningAgent(scene, appservice.url, { prefix: "helper" });
    runtimes.push(agent);
    const text = `answered through workers ${marker()}`;
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, agent.agent.userId, (body) => body === text);
    await mention(scene, agent.agent, `${agent.agent.name}, please [reply:${text}]`);
    expect((await reply).body).toBe(text);

    // The topology is the one claimed: the appservice sender worker pushed the transactions (not
    // the main process), the event persister wrote the events, nginx sent the sends to a worker.
    const log = (name: string) => readFile(topology.synapseLogs[name]!, "utf8");
    const transactions = "/_matrix/app/v1/transactions/";
    expect(await log(topology.appserviceSender)).toContain(transactions);
    expect(await log("main")).not.toContain(transactions);
    expect(await log("persister1")).toMatch(/events to persist/);
    expect(await log("main")).not.toMatch(/events to persist/);
    const sends = (await readFile(topology.nginxAccessLog, "utf8"))
      .split("\n")
      .filter((line) => line.startsWith("PUT ") && line.includes("/send/m.room.message/"));
    expect(sends.length).toBeGreaterThan(0);
    const workerPorts = topology.clientWorkers.map((worker) => String(worker.port));
    for (const line of sends) expect(workerPorts).toContain(/upstream=127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  });

  it("has the homeserver refuse an agent's message in a humans_only stream, sent with the as_token", async () => {
    const { appservice, registration } = await freshAppservice();
    const scene = await projectScene(appservice.url);
    const stream = await scene.api<{ roomId: string; humansOnly: boolean }>("POST", `/teams/${scene.slug}/streams`, {
      name: "general",
    });
    expect(stream.body.humansOnly).toBe(true);
    const roomId = stream.body.roomId;
    await scene.alice.client.joinRoom(roomId);
    const agent = await scene.api<{ agent: { userId: string } }>("POST", "/agents", { name: uniqueName("muted") });
    const agentUserId = agent.body.agent.userId;
    await scene.alice.client.invite(roomId, agentUserId);
    expect((await asPuppet(registration, agentUserId, "POST", `/join/${encodeURIComponent(roomId)}`, {})).status).toBe(
      200,
    );
    await waitForMembership(scene.alice.client, roomId, agentUserId, "join");
    const message = await asPuppet(
      registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${marker()}`,
      { msgtype: "m.text", body: "let me speak" },
    );
    expect(message.status).toBe(403);
    expect(message.body.errcode).toBe("M_FORBIDDEN");
  });

  it("repairs at start what drifted while it was down: the agent back in its project, the member invited again", async () => {
    const database = await freshTestDatabase("workers_reconcile");
    await running?.appservice.close();
    running = await startTestAppservice({ database });
    const scene = await projectScene(running.appservice.url);
    const bob = await createHuman("bob");
    const agentName = uniqueName("drifter");
    const agentUserId = (await scene.api<{ agent: { userId: string } }>("POST", "/agents", { name: agentName })).body
      .agent.userId;
    await scene.api("PUT", `/teams/${scene.slug}/projects/${scene.project}/agents/${agentName}`);
    await waitForMembership(scene.alice.client, scene.roomId, agentUserId, "join");
    const spaceRoomId = (await scene.api<{ team: { spaceRoomId: string } }>("GET", `/teams/${scene.slug}`)).body.team
      .spaceRoomId;
    await scene.alice.client.joinRoom(spaceRoomId);
    await scene.api("PUT", `/teams/${scene.slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
    await waitForMembership(scene.alice.client, spaceRoomId, bob.userId, "invite", 60_000);

    await running.appservice.close();
    running = undefined;
    await scene.alice.client.kick(scene.roomId, agentUserId, "drift");
    await bob.client.leave(spaceRoomId);
    await waitForMembership(scene.alice.client, scene.roomId, agentUserId, "leave", 60_000);
    await waitForMembership(scene.alice.client, spaceRoomId, bob.userId, "leave", 60_000);

    const rejoined = waitForMembership(scene.alice.client, scene.roomId, agentUserId, "join", 60_000);
    const reinvited = waitForMembership(scene.alice.client, spaceRoomId, bob.userId, "invite", 60_000);
    running = await startTestAppservice({ database });
    await Promise.all([rejoined, reinvited]);
  });

  it("loses and doubles nothing when the appservice, a client worker and the sender worker are killed under a stream of mentions", async () => {
    await running?.appservice.close();
    running = undefined;
    const started = await startAppserviceProcess(await freshTestDatabase("workers_crash"));
    let appservice: CliProcess = started.process;
    try {
      const scene = await projectScene(started.url);
      const agent = await runningAgent(scene, started.url, { prefix: "steady", displayName: "Steady" });
      runtimes.push(agent);
      const owner = new HttpHuman(inject("stack").homeserverUrl, scene.alice.userId, scene.alice.accessToken);
      const load = new MentionLoad(owner, {
        agent: { userId: agent.agent.userId, displayName: "Steady" },
        projectRoomId: scene.roomId,
        dmRoomId: agent.dmRoomId,
      });
      const strike = async (what: string, fault: () => Promise<void>) => {
        const before = load.mentions.length;
        const wave = load.sendMany(WAVE);
        await waitUntil("a few mentions of the wave are sent", async () => load.mentions.length >= before + 5, 60_000);
        const at = performance.now();
        await fault();
        await wave;
        process.stderr.write(`[workers] ${what}: back in ${Math.round(performance.now() - at)} ms\n`);
      };

      await load.sendMany(WAVE);
      await strike("kill -9 of the appservice", async () => {
        process.kill(appservice.process.pid!, "SIGKILL");
        await appservice.stop();
        appservice = await started.restart();
      });
      const clientWorker = topology.processes[topology.clientWorkers[0]!.name]!;
      await strike(`kill -9 of ${clientWorker.name} (a client worker)`, async () => {
        await killProcess(clientWorker);
        await startProcess(clientWorker, topology.python);
      });
      // Synapse advances the appservice stream before it writes the events it took into a
      // transaction: what the killed sender held only in memory is never sent. The appservice
      // notices its sender's connection closed from the sender's side and reads the rooms'
      // recent events back, without a restart.
      const sender = topology.processes[topology.appserviceSender]!;
      await strike(`kill -9 of ${sender.name} (the appservice sender)`, async () => {
        await killProcess(sender);
        await startProcess(sender, topology.python);
      });
      await waitUntil(
        "the appservice to notice its sender went away",
        async () => appservice.stderr().includes("transaction sender went away"),
        60_000,
      );

      const count = await load.settle(180_000);
      process.stderr.write(
        `[workers] ${count.sent} sent, ${count.answeredOnce} answered once, ${count.lost} lost, ${count.doubled} doubled, ${count.truncated} cut\n`,
      );
      if (count.problems.length > 0) {
        // What each answer of a mention not answered once was, to tell a re-run turn from a re-post.
        const ids = new Set(count.problems.flatMap((problem) => problem.match(/\$[\w-]+/g) ?? []));
        const events = [...(await load.timelines()).values()].flat().filter((event) => ids.has(event.event_id));
        const lost = load.mentions.filter((sent) =>
          count.problems.some((problem) => problem.startsWith(`${sent.label}:`)),
        );
        const appserviceLog = path.join(inject("stack").workDir, "appservice.log");
        await writeFile(appserviceLog, appservice.stdout() + appservice.stderr());
        process.stderr.write(
          `[workers] ${JSON.stringify(events, null, 1)}\nnot answered once: ${JSON.stringify(lost)}\n` +
            `runtime log: ${agent.logFile}\nappservice log (since its last start): ${appserviceLog}\n`,
        );
      }
      expect(count.problems).toEqual([]);
      // Nor did a send retried through nginx post a mention twice.
      const asked = [...(await load.timelines()).values()]
        .flat()
        .filter((event) => event.sender === owner.userId && event.type === "m.room.message");
      expect(asked.map((event) => event.event_id).sort()).toEqual(load.mentions.map((sent) => sent.eventId).sort());
      expect(count).toMatchObject({ sent: 4 * WAVE, answeredOnce: 4 * WAVE, lost: 0, doubled: 0, truncated: 0 });
    } finally {
      await appservice.stop("SIGTERM");
    }
  });
});

/** Mentions per wave: one before the faults, one during each of the three. */
const WAVE = 20;

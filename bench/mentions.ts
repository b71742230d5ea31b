import { randomBytes } from "node:crypto";
import { RoomEvent, type MatrixEvent, type Room } from "matrix-js-sdk";
import type { Logger } from "pino";
import { z } from "zod";
import { Arrivals } from "./arrivals.ts";
import type { AppserviceDb } from "./appserviceDb.ts";
import { HttpError, jsonRequest, registerHuman, startSyncingClient, waitForClientState, type Human } from "./matrix.ts";
import type { Stack } from "./stack.ts";
import { summarize, type Summary } from "./stats.ts";

/** How often the Signal table is polled while a send is in flight. */
export const SIGNAL_POLL_MS = 1;
const PER_SEND_TIMEOUT_MS = 15_000;
const SETUP_TIMEOUT_MS = 30_000;

export const API_NOT_AVAILABLE = "API not available";

export interface MentionOptions {
  stack: Stack;
  db: AppserviceDb;
  log: Logger;
  sends: number;
  warmupSends: number;
}

export type MentionOutcome = ({ status: "ok" } & MentionResult) | { status: "skipped" | "failed"; reason: string };

export interface MentionResult {
  sends: number;
  warmupSends: number;
  /** Send → the Signal row is visible to a reader (committed), found by polling every SIGNAL_POLL_MS. */
  signalPolledMs: Summary;
  /** Send → the row's createdAt (set by the appservice just before its INSERT), when stored with ms precision. */
  signalCreatedAtMs: Summary | undefined;
  createdAtPrecision: "milliseconds" | "seconds";
  /** Send → a second human's matrix-js-sdk client has the event in its timeline (via /sync). */
  humanMs: Summary;
  /** signalPolled median / human median. */
  ratioMedian: number;
  ratioP99: number;
}

interface SignalSeen {
  at: number;
  createdAt: unknown;
}

/**
 * A human mentions an agent in a project room, one message at a time. For each message:
 * (a) from just before the send until the Signal row exists in the appservice's SQLite,
 * (b) from the same moment until another human's client receives it through /sync.
 */
export async function runMentions(options: MentionOptions): Promise<MentionOutcome> {
  const { stack, log } = options;
  const alice = await registerHuman(stack, "bench-alice");
  const bob = await registerHuman(stack, "bench-bob");

  if (!(await apiAvailable(stack, alice))) {
    return { status: "skipped", reason: API_NOT_AVAILABLE };
  }
  const room = await setUpProject(stack, alice, bob, log);

  const client = await startSyncingClient(stack, bob);
  const synced = new Arrivals<number>();
  const signals = new Arrivals<SignalSeen>();
  let poller: NodeJS.Timeout | undefined;
  try {
    await waitForClientState(
      client,
      `${bob.userId} to be joined to ${room.roomId}`,
      () => client.getRoom(room.roomId)?.getMyMembership() === "join",
      SETUP_TIMEOUT_MS,
    );
    const onTimeline = (event: MatrixEvent, eventRoom: Room | undefined, toStartOfTimeline: boolean | undefined) => {
      const at = performance.now();
      const eventId = event.getId();
      if (toStartOfTimeline || eventRoom?.roomId !== room.roomId || eventId === undefined) return;
      synced.record(eventId, at);
    };
    client.on(RoomEvent.Timeline, onTimeline);

    let lastRowid = 0;
    let pollFailed: (error: unknown) => void = () => undefined;
    const pollFailure = new Promise<never>((_resolve, reject) => (pollFailed = reject));
    pollFailure.catch(() => undefined); // observed through the race below
    poller = setInterval(() => {
      try {
        const rows = options.db.signalsAfter(lastRowid);
        const at = performance.now();
        for (const row of rows) {
          lastRowid = row.rowid;
          signals.record(row.eventId, { at, createdAt: row.createdAt });
        }
      } catch (error) {
        clearInterval(poller);
        pollFailed(new Error(`reading the Signal table failed: ${String(error)}`));
      }
    }, SIGNAL_POLL_MS);

    const polled: number[] = [];
    const createdAt: number[] = [];
    const human: number[] = [];
    let precision: MentionResult["createdAtPrecision"] = "milliseconds";
    const total = options.warmupSends + options.sends;
    log.info({ warmup: options.warmupSends, sends: options.sends, roomId: room.roomId }, "mention latency: sending");
    for (let i = 0; i < total; i++) {
      const content = {
        msgtype: "m.text",
        body: `${room.agentUserId} could you look at the failing test? (${i})`,
        "m.mentions": { user_ids: [room.agentUserId] },
      };
      const txnId = `bench-${i}-${randomBytes(4).toString("hex")}`;
      const sentWall = Date.now();
      const sent = performance.now();
      const response = await jsonRequest(
        stack.homeserverUrl,
        alice.accessToken,
        "PUT",
        `/_matrix/client/v3/rooms/${encodeURIComponent(room.roomId)}/send/m.room.message/${txnId}`,
        content,
      );
      const eventId = z.object({ event_id: z.string() }).parse(response).event_id;
      const [signal, seenAt] = await stack.whileAppserviceRuns(
        Promise.race([
          Promise.all([
            signals.waitFor(eventId, PER_SEND_TIMEOUT_MS, "the Signal row"),
            synced.waitFor(eventId, PER_SEND_TIMEOUT_MS, `${bob.userId}'s /sync`),
          ]),
          pollFailure,
        ]),
      );
      if (i < options.warmupSends) continue;
      polled.push(signal.at - sent);
      human.push(seenAt - sent);
      const created = parseCreatedAt(signal.createdAt);
      if (created === undefined || !created.milliseconds) precision = "seconds";
      else createdAt.push(created.epochMs - sentWall);
    }
    client.off(RoomEvent.Timeline, onTimeline);

    const signalPolledMs = summarize(polled);
    const humanMs = summarize(human);
    return {
      status: "ok",
      sends: options.sends,
      warmupSends: options.warmupSends,
      signalPolledMs,
      signalCreatedAtMs: precision === "milliseconds" ? summarize(createdAt) : undefined,
      createdAtPrecision: precision,
      humanMs,
      ratioMedian: signalPolledMs.median / humanMs.median,
      ratioP99: signalPolledMs.p99 / humanMs.p99,
    };
  } finally {
    if (poller) clearInterval(poller);
    client.stopClient();
  }
}

/** The HTTP API is there when /api/v1 answers with anything but express's bare 404 for an unmounted path. */
async function apiAvailable(stack: Stack, human: Human): Promise<boolean> {
  try {
    await jsonRequest(stack.appserviceUrl, human.accessToken, "GET", "/api/v1/me");
    return true;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    if (error.status !== 404) return true;
    // A mounted API answers unknown paths with its JSON error body; an unmounted one with HTML or a Matrix error.
    try {
      const body: unknown = JSON.parse(error.body);
      return z.object({ error: z.object({ code: z.string() }) }).safeParse(body).success;
    } catch {
      return false;
    }
  }
}

interface BenchRoom {
  roomId: string;
  agentUserId: string;
}

/** A team, a project and an agent in it; alice owns them, bob is a member, both are joined to the project room. */
async function setUpProject(stack: Stack, alice: Human, bob: Human, log: Logger): Promise<BenchRoom> {
  const api = (human: Human, method: string, path: string, body?: unknown) =>
    jsonRequest(stack.appserviceUrl, human.accessToken, method, path, body);
  const suffix = randomBytes(3).toString("hex");
  const team = `bench-${suffix}`;
  const projectName = "latency";
  const agentName = `bench${suffix}`;

  await api(alice, "POST", "/api/v1/teams", { slug: team });
  const projectResponse = await api(alice, "POST", `/api/v1/teams/${team}/projects`, { name: projectName });
  const roomId = projectRoomId.parse(projectResponse);
  const agentResponse = createdAgent.parse(await api(alice, "POST", "/api/v1/agents", { name: agentName }));
  const agentUserId = agentResponse.agent.userId;
  await api(alice, "PUT", `/api/v1/teams/${team}/projects/${projectName}/agents/${agentName}`);
  await api(alice, "PUT", `/api/v1/teams/${team}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });

  for (const human of [alice, bob]) {
    try {
      await api(human, "POST", `/api/v1/teams/${team}/projects/${projectName}/join`);
    } catch (error) {
      // The creator may already be in the room; the Matrix join below settles it either way.
      if (!(error instanceof HttpError) || error.status >= 500) throw error;
      log.debug({ user: human.userId, err: error.message }, "API join refused; joining through Matrix");
    }
    await jsonRequest(
      stack.homeserverUrl,
      human.accessToken,
      "POST",
      `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`,
      {},
    );
  }
  log.info({ team, project: projectName, agent: agentUserId, roomId }, "mention latency: project set up");
  return { roomId, agentUserId };
}

const roomIdOnly = z.object({ roomId: z.string() });
/** The project, as itself or wrapped in `{ project }`. */
const projectRoomId = z
  .union([roomIdOnly, z.object({ project: roomIdOnly })])
  .transform((value) => ("project" in value ? value.project.roomId : value.roomId));
const createdAgent = z.object({ agent: z.object({ userId: z.string() }) });

/** Prisma stores DateTime as ISO 8601 with milliseconds; SQLite's CURRENT_TIMESTAMP has whole seconds only. */
function parseCreatedAt(value: unknown): { epochMs: number; milliseconds: boolean } | undefined {
  if (typeof value === "number") return { epochMs: value, milliseconds: true }; // unixepoch-ms format
  if (typeof value !== "string") return undefined;
  const iso = value.includes("T") ? value : `${value.replace(" ", "T")}Z`;
  const epochMs = Date.parse(iso);
  if (Number.isNaN(epochMs)) return undefined;
  return { epochMs, milliseconds: /[T ]\d\d:\d\d:\d\d\.\d{3}/.test(value) };
}

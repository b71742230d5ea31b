import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { AppserviceDb } from "./appserviceDb.ts";
import { readCpuSeconds, readRss } from "./proc.ts";
import { monotonicUs } from "./profile.ts";
import { summarize, type Summary } from "./stats.ts";

const REQUEST_TIMEOUT_MS = 30_000;
const PROBE_INTERVAL_MS = 50;
const WARMUP_PROCESSING_TIMEOUT_MS = 120_000;

export interface IngestOptions {
  appserviceUrl: string;
  hsToken: string;
  appservicePid: number;
  db: AppserviceDb;
  log: Logger;
  /** Unique per phase and run: event and transaction ids start with it. */
  label: string;
  /** Events measured (rounded up to whole transactions). */
  events: number;
  eventsPerTransaction: number;
  /** Transactions in flight at once, each on its own keep-alive connection. */
  concurrency: number;
  /** Events sent first and not measured. */
  warmupEvents: number;
  rooms: number;
}

export interface IngestResult {
  /** Event ids of the measured events start with `$<label>.m.`. */
  label: string;
  eventsPerTransaction: number;
  concurrency: number;
  events: number;
  transactions: number;
  durationMs: number;
  eventsPerSecond: number;
  transactionsPerSecond: number;
  /** Per transaction, from writing the request to the whole 200 response. */
  latencyMs: Summary;
  /** Measured events found in the appservice's database afterwards (should equal `events`). */
  eventsStored: number;
  /**
   * GET /health answered during the measured phase, one probe at a time, every PROBE_INTERVAL_MS:
   * how long the appservice's event loop keeps any request waiting while it is loaded.
   */
  healthProbeMs: Summary;
  /** CPU the appservice process used during the measured phase, as a share of one core. */
  appserviceCpuPercent: number;
  /** CPU this load generator used during the measured phase, as a share of one core. */
  loadGeneratorCpuPercent: number;
  rssAfterMb: number;
}

/**
 * PUTs synthetic `m.room.message` transactions straight to the appservice's transaction
 * endpoint, as the homeserver would, from `concurrency` senders. A 200 means the events
 * are in SQLite, so the rate measured is the durable ingest rate.
 */
export async function runIngest(
  options: IngestOptions,
): Promise<{ result: IngestResult; measuredUs: { fromUs: number; toUs: number } }> {
  const { log, eventsPerTransaction: perTxn } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    const put = (txnId: string, body: Buffer) => putTransaction(agent, options, txnId, body);

    // Bodies are built before the clock starts, so the generator's own work is not measured.
    const warmup = buildTransactions(`${options.label}.w`, options.warmupEvents, perTxn, options.rooms);
    const measured = buildTransactions(`${options.label}.m`, options.events, perTxn, options.rooms);
    log.info({ label: options.label, transactions: warmup.length }, "ingest warm-up");
    await sendAll(warmup, options.concurrency, put);
    // Start measuring from an idle inbox, not with the warm-up's events still being processed.
    if ((await options.db.waitUntilProcessed(WARMUP_PROCESSING_TIMEOUT_MS)) === undefined) {
      throw new Error(`the inbox did not process the warm-up events within ${WARMUP_PROCESSING_TIMEOUT_MS} ms`);
    }

    log.info(
      { label: options.label, transactions: measured.length, perTxn, concurrency: options.concurrency },
      "ingest measuring",
    );
    const cpuBefore = readCpuSeconds(options.appservicePid);
    const ownCpuBefore = process.cpuUsage();
    const fromUs = monotonicUs();
    const started = performance.now();
    const probe = probeHealth(options.appserviceUrl);
    const latencies = await sendAll(measured, options.concurrency, put).finally(() => probe.stop());
    const durationMs = performance.now() - started;
    const toUs = monotonicUs();
    const healthProbes = await probe.done;
    const appserviceCpu = readCpuSeconds(options.appservicePid) - cpuBefore;
    const ownCpu = process.cpuUsage(ownCpuBefore);

    const events = measured.reduce((sum, txn) => sum + txn.events, 0);
    const result: IngestResult = {
      label: options.label,
      eventsPerTransaction: perTxn,
      concurrency: options.concurrency,
      events,
      transactions: measured.length,
      durationMs,
      eventsPerSecond: events / (durationMs / 1000),
      transactionsPerSecond: measured.length / (durationMs / 1000),
      latencyMs: summarize(latencies),
      eventsStored: options.db.countEvents(`$${options.label}.m.`),
      healthProbeMs: summarize(healthProbes),
      appserviceCpuPercent: (appserviceCpu / (durationMs / 1000)) * 100,
      loadGeneratorCpuPercent: ((ownCpu.user + ownCpu.system) / 1000 / durationMs) * 100,
      rssAfterMb: readRss(options.appservicePid).rssMb,
    };
    return { result, measuredUs: { fromUs, toUs } };
  } finally {
    agent.destroy();
  }
}

interface Transaction {
  txnId: string;
  events: number;
  body: Buffer;
}

function buildTransactions(prefix: string, eventCount: number, perTxn: number, rooms: number): Transaction[] {
  const transactions: Transaction[] = [];
  const now = Date.now();
  for (let first = 0; first < eventCount; first += perTxn) {
    const events = [];
    for (let i = first; i < Math.min(first + perTxn, eventCount); i++) {
      events.push({
        event_id: `$${prefix}.${i}`,
        room_id: `!bench-room-${i % rooms}:localhost`,
        type: "m.room.message",
        sender: `@bench-human-${i % 7}:localhost`,
        content: {
          msgtype: "m.text",
          body: `synthetic message ${i}: the build on main is green again, shall we ship the release today?`,
        },
        origin_server_ts: now + i,
        unsigned: { age: 0 },
      });
    }
    const txnId = `${prefix}.t${first / perTxn}`;
    transactions.push({ txnId, events: events.length, body: Buffer.from(JSON.stringify({ events })) });
  }
  return transactions;
}

/** Sends every transaction from `concurrency` workers; returns each one's latency in ms, in send order. */
async function sendAll(
  transactions: readonly Transaction[],
  concurrency: number,
  put: (txnId: string, body: Buffer) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = new Array<number>(transactions.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < transactions.length) {
      const index = next++;
      const txn = transactions[index]!;
      const started = performance.now();
      try {
        await put(txn.txnId, txn.body);
      } catch (error) {
        failed = true;
        throw error;
      }
      latencies[index] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

/** Times GET /health back to back (PROBE_INTERVAL_MS apart) on a connection of its own until stopped. */
function probeHealth(baseUrl: string): { stop(): void; done: Promise<number[]> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL("/health", baseUrl);
  let stopped = false;
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`/health answered ${res.statusCode}`)),
        );
      });
      req.on("timeout", () => req.destroy(new Error(`/health got no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", reject);
      req.end();
    });
  const done = (async () => {
    const samples: number[] = [];
    try {
      while (!stopped) {
        const started = performance.now();
        await get();
        samples.push(performance.now() - started);
        if (!stopped) await sleep(PROBE_INTERVAL_MS);
      }
    } finally {
      agent.destroy();
    }
    return samples;
  })();
  done.catch(() => undefined); // a failure reaches whoever awaits `done`; never unhandled
  return { stop: () => void (stopped = true), done };
}

function putTransaction(agent: Agent, options: IngestOptions, txnId: string, body: Buffer): Promise<void> {
  const url = new URL(`/_matrix/app/v1/transactions/${encodeURIComponent(txnId)}`, options.appserviceUrl);
  return new Promise<void>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "PUT",
        agent,
        headers: {
          authorization: `Bearer ${options.hsToken}`,
          "content-type": "application/json",
          "content-length": body.length,
        },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          if (res.statusCode === 200) resolve();
          else
            reject(
              new Error(
                `PUT ${url.pathname} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`,
              ),
            );
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`PUT ${url.pathname} got no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on("error", reject);
    req.end(body);
  });
}

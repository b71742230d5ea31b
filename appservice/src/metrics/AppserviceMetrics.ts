import type { RuntimeState } from "@aachat/protocol";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MatrixEvent } from "../matrix/events.ts";
import { eventClass } from "./eventClass.ts";
import { TurnTracker, type TurnChanges } from "./TurnTracker.ts";

/** What the inbox reports: each event once its handlers are done with it. */
export interface InboxMetrics {
  eventHandled(event: MatrixEvent): void;
}

/** What the homeserver's transactions endpoint reports. */
export interface TransactionMetrics {
  transactionReceived(events: readonly MatrixEvent[]): void;
}

/** What one runtime connection reports. */
export interface RuntimeMetrics {
  signalDelivered(): void;
  signalAcknowledged(): void;
  /** A runtime request was answered: `outcome` is "ok" or the failure's code. */
  runtimeRequest(method: string, outcome: string, seconds: number): void;
}

/** What the runtime socket server reports besides its connections' counts. */
export interface RuntimeSocketMetrics extends RuntimeMetrics {
  runtimeState(agentId: number, state: RuntimeState): void;
  runtimeOffline(agentId: number): void;
}

export const noRuntimeMetrics: RuntimeMetrics = {
  signalDelivered: () => undefined,
  signalAcknowledged: () => undefined,
  runtimeRequest: () => undefined,
};

// Seconds: from a few milliseconds (a request answered from the database) to minutes (an
// event caught up after the appservice was down).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/**
 * aachat's Prometheus metrics, beside Node's own (memory, CPU, event loop lag). Labels
 * take only a bounded set of values: event classes, route templates, method names,
 * outcomes. Each appservice has its own registry, so several can run in one process (as
 * tests do).
 */
export class AppserviceMetrics implements InboxMetrics, TransactionMetrics, RuntimeSocketMetrics {
  readonly registry = new Registry();
  readonly #transactions: Counter;
  readonly #events: Counter;
  readonly #lag: Histogram;
  readonly #signalsDelivered: Counter;
  readonly #signalsAcknowledged: Counter;
  readonly #turnsStarted: Counter;
  readonly #turnsFinished: Counter;
  readonly #turnsFailed: Counter;
  readonly #outboundSends: Counter;
  readonly #httpRequests: Histogram;
  readonly #runtimeRequests: Histogram;
  readonly #turns = new TurnTracker();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const counter = (name: string, help: string, labelNames: string[] = []) =>
      new Counter({ name: `aachat_${name}`, help, labelNames, registers });
    const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
      new Histogram({ name: `aachat_${name}`, help, labelNames, buckets, registers });
    this.#transactions = counter(
      "transactions_received_total",
      "Transactions the homeserver pushed (a retried one counts again)",
    );
    this.#events = counter(
      "events_received_total",
      "Events in the homeserver's transactions, by class: message, reaction, redaction, encrypted, member, state, other",
      ["class"],
    );
    this.#lag = histogram(
      "event_processing_lag_seconds",
      "From an event's origin_server_ts to the appservice having handled it",
      [],
      LAG_BUCKETS,
    );
    this.#signalsDelivered = counter(
      "signals_delivered_total",
      "Signals sent to a runtime (a signal sent again on a new connection counts again)",
    );
    this.#signalsAcknowledged = counter(
      "signals_acknowledged_total",
      "Signals a runtime acknowledged on the connection that delivered them",
    );
    const seen = "as seen in the runtimes' state frames, which do not report how a turn ended";
    this.#turnsStarted = counter("turns_started_total", `Turns agents started, ${seen}`);
    this.#turnsFinished = counter(
      "turns_finished_total",
      `Turns that ended with their session still up, ${seen}: an answer ending in a ⚠️ note counts here`,
    );
    this.#turnsFailed = counter(
      "turns_failed_total",
      `Turns cut off by their session failing or stopping, or by the runtime going offline, ${seen}`,
    );
    this.#outboundSends = counter(
      "outbound_sends_total",
      "Tries at sending a queued message, by outcome: posted, found (already posted by an earlier try), refused (for good), unanswered (tried again later)",
      ["outcome"],
    );
    this.#httpRequests = histogram(
      "http_request_duration_seconds",
      "HTTP requests to the appservice, by method, route template and status",
      ["method", "route", "status"],
      LATENCY_BUCKETS,
    );
    this.#runtimeRequests = histogram(
      "runtime_request_duration_seconds",
      "Requests of the runtimes over their WebSocket, by method and outcome (ok or the error code)",
      ["method", "outcome"],
      LATENCY_BUCKETS,
    );
  }

  transactionReceived(events: readonly MatrixEvent[]): void {
    this.#transactions.inc();
    for (const event of events) this.#events.inc({ class: eventClass(event) });
  }

  eventHandled(event: MatrixEvent): void {
    if (event.origin_server_ts === undefined) return;
    this.#lag.observe(Math.max(0, (Date.now() - event.origin_server_ts) / 1000));
  }

  signalDelivered(): void {
    this.#signalsDelivered.inc();
  }

  signalAcknowledged(): void {
    this.#signalsAcknowledged.inc();
  }

  /** A gauge read when /metrics is scraped. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name: `aachat_${name}`,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  runtimeRequest(method: string, outcome: string, seconds: number): void {
    this.#runtimeRequests.observe({ method, outcome }, seconds);
  }

  runtimeState(agentId: number, state: RuntimeState): void {
    this.#countTurns(this.#turns.update(agentId, state));
  }

  runtimeOffline(agentId: number): void {
    this.#countTurns(this.#turns.offline(agentId));
  }

  outboundSend(outcome: "posted" | "found" | "refused" | "unanswered"): void {
    this.#outboundSends.inc({ outcome });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.#httpRequests.observe({ method, route, status: String(status) }, seconds);
  }

  #countTurns(changes: TurnChanges): void {
    if (changes.started > 0) this.#turnsStarted.inc(changes.started);
    if (changes.finished > 0) this.#turnsFinished.inc(changes.finished);
    if (changes.failed > 0) this.#turnsFailed.inc(changes.failed);
  }
}

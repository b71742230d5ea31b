import { randomBytes } from "node:crypto";
import { projectLabel, type ProjectRef, type SessionState } from "@aachat/protocol";
import type { Logger } from "pino";
import { CommandError } from "../client/errors.ts";
import { AgentSession } from "./AgentSession.ts";
import type { SessionDeps } from "./SessionDeps.ts";
import type { SessionRecord, SessionStore } from "./SessionStore.ts";

/**
 * The agent's sessions on this runtime: started, stopped, restarted and compacted on the
 * owner's commands, persisted so a runtime restart brings them back, and found by the
 * projects they cover. A project is covered by at most one session.
 */
export class SessionManager {
  readonly #sessions = new Map<string, AgentSession>();
  readonly #deps: Omit<SessionDeps, "keeper">;
  readonly #store: SessionStore;
  readonly #log: Logger;
  readonly #onChange: () => void;

  constructor(options: { deps: Omit<SessionDeps, "keeper">; store: SessionStore; onChange: () => void }) {
    this.#deps = options.deps;
    this.#store = options.store;
    this.#log = options.deps.log.child({ component: "sessions" });
    this.#onChange = options.onChange;
  }

  /** Starts again every session the runtime had when it last stopped; resolves once each has started or failed. */
  async restore(): Promise<void> {
    const records = await this.#store.load();
    for (const record of records) this.#sessions.set(record.id, this.#create(record));
    await Promise.all(
      [...this.#sessions.values()].map((session) =>
        session.start().catch(() => undefined /* failed: its state says why */),
      ),
    );
    if (records.length > 0) this.#log.info({ sessions: records.map((r) => r.id) }, "restored sessions");
  }

  async start(projects: ProjectRef[]): Promise<{ session: SessionState; alreadyRunning: boolean }> {
    const wanted = new Set(projects.map((p) => p.id));
    for (const session of this.#sessions.values()) {
      const covered = new Set(session.projects.map((p) => p.id));
      if (covered.size === wanted.size && [...wanted].every((id) => covered.has(id))) {
        return { session: session.state(), alreadyRunning: true };
      }
      const overlap = session.projects.filter((p) => wanted.has(p.id));
      if (overlap.length > 0) {
        throw new CommandError({
          code: "conflict",
          message: `session ${session.id} already covers ${overlap.map(projectLabel).join(", ")}; stop it first, or start a session for other projects`,
        });
      }
    }
    const record: SessionRecord = {
      id: `s${randomBytes(4).toString("hex")}`,
      projects,
      acpSessionId: null,
      startedAt: new Date().toISOString(),
      readCursors: {},
    };
    const session = this.#create(record);
    this.#sessions.set(record.id, session);
    try {
      await session.start();
    } catch (error) {
      this.#sessions.delete(record.id);
      await session.stop({ removeWorkspace: true }).catch(() => undefined);
      this.#changed();
      throw new CommandError({
        code: "unavailable",
        message: `the session could not start: ${(error as Error).message}`,
      });
    }
    this.#changed();
    return { session: session.state(), alreadyRunning: false };
  }

  async stop(sessionId: string): Promise<void> {
    const session = this.#get(sessionId);
    this.#sessions.delete(sessionId);
    this.#changed();
    await session.stop({ removeWorkspace: true });
    this.#changed();
  }

  /** Stops the session's agent process and starts it again with the same coverage and conversation. */
  async restart(sessionId: string): Promise<SessionState> {
    const old = this.#get(sessionId);
    await old.stop({ removeWorkspace: false });
    const session = this.#create(old.record);
    this.#sessions.set(sessionId, session);
    this.#changed();
    await session.start().catch((error: unknown) => {
      throw new CommandError({
        code: "unavailable",
        message: `the session could not restart: ${(error as Error).message}`,
      });
    });
    return session.state();
  }

  async compact(sessionId: string): Promise<void> {
    await this.#get(sessionId).compact();
  }

  /** Stops every session for good (the owner stopped the runtime). */
  async stopAll(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#changed();
    await Promise.all(sessions.map((session) => session.stop({ removeWorkspace: true })));
  }

  /** Ends every session's agent process but keeps them for the next start (the runtime is shutting down). */
  async shutdown(): Promise<void> {
    await this.#store.save(this.#records());
    await Promise.all([...this.#sessions.values()].map((session) => session.stop({ removeWorkspace: false })));
  }

  /** The session covering the project. */
  forProject(projectId: number): AgentSession | undefined {
    return [...this.#sessions.values()].find((session) => session.covers(projectId));
  }

  /** The session that answers the owner's DMs: the oldest one. */
  forDirectMessages(): AgentSession | undefined {
    return [...this.#sessions.values()].sort((a, b) => a.record.startedAt.localeCompare(b.record.startedAt))[0];
  }

  all(): AgentSession[] {
    return [...this.#sessions.values()];
  }

  states(): SessionState[] {
    return this.all().map((session) => session.state());
  }

  #get(sessionId: string): AgentSession {
    const session = this.#sessions.get(sessionId);
    if (!session) {
      const known = [...this.#sessions.keys()].join(", ") || "none";
      throw new CommandError({
        code: "not_found",
        message: `no session ${sessionId} on this runtime (sessions: ${known})`,
      });
    }
    return session;
  }

  #create(record: SessionRecord): AgentSession {
    return new AgentSession(record, { ...this.#deps, keeper: { changed: () => this.#changed() } });
  }

  #records(): SessionRecord[] {
    return [...this.#sessions.values()].map((session) => session.record);
  }

  #changed(): void {
    this.#store
      .save(this.#records())
      .catch((error: unknown) => this.#log.error({ err: error }, "could not save sessions.json"));
    this.#onChange();
  }
}

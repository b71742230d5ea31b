import { css, html, nothing } from "lit";
import { formatLogLine, type SessionState } from "@aachat/protocol";
import type { Agent, ApiClient } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";

const LOG_LINES = 100;

const STATUS_LABEL: Record<SessionState["status"], string> = {
  starting: "Starting",
  ready: "Ready",
  busy: "Working",
  stopping: "Stopping",
  failed: "Failed",
};

/**
 * One agent's runtime in the console: where and which version it runs, its sessions (what
 * each covers, what it is doing) with their controls, a form to start a session, and the
 * end of the runtime's log. Everything goes through the API, which passes it on to the
 * runtime; what the runtime reports comes back live.
 */
export class AgentRuntime extends ActionElement {
  static override styles = [
    ActionElement.styles,
    css`
      .runtime {
        margin-top: 0.5rem;
        border-top: 1px dashed var(--border);
        padding-top: 0.5rem;
      }
      ul.sessions {
        list-style: none;
        margin: 0.25rem 0;
        padding: 0;
      }
      ul.sessions > li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.75rem;
        align-items: center;
        padding: 0.4rem 0;
      }
      .badge.busy {
        background: #fff4e5;
        color: #9a5b00;
      }
      .badge.failed {
        background: var(--danger-soft);
        color: var(--danger);
      }
      fieldset {
        border: none;
        padding: 0;
        margin: 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        align-items: center;
      }
      legend {
        font-size: 0.85rem;
        font-weight: 600;
        color: var(--muted);
        padding: 0;
        margin-bottom: 0.25rem;
      }
      details summary {
        cursor: pointer;
        font-weight: 600;
        margin: 0.25rem 0;
      }
      pre.log {
        max-height: 18rem;
        overflow: auto;
        background: #0f1419;
        color: #d7dde5;
        border-radius: 6px;
        padding: 0.6rem 0.75rem;
        font-size: 0.78rem;
        line-height: 1.45;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        margin: 0.25rem 0;
      }
      code {
        font-size: 0.85em;
      }
    `,
  ];

  static override properties = {
    ...ActionElement.properties,
    api: { attribute: false },
    agent: { attribute: false },
    logLines: { state: true },
  };

  declare api: ApiClient;
  declare agent: Agent;
  declare private logLines: string[] | null;

  constructor() {
    super();
    this.logLines = null;
  }

  override render() {
    const { runtime, name } = this.agent;
    const state = runtime.state;
    if (!runtime.online) {
      const project = this.agent.projects[0];
      return html`<div class="runtime">
        <p class="muted">
          The runtime is not running. Start it on your machine:
          <code class="mono"
            >aachat agent start ${name} -p ${project ? `${project.team}/${project.project}` : "PROJECT"}</code
          >
        </p>
        ${this.#log()}
      </div>`;
    }
    return html`<div class="runtime">
      <p class="muted">
        ${
          state
            ? html`Runtime ${state.version} on <span class="mono">${state.hostname}</span>, pid ${state.pid}`
            : "Runtime connected"
        }
      </p>
      ${
        state && state.sessions.length > 0
          ? html`<ul class="sessions" aria-label="Sessions of ${name}">
              ${state.sessions.map((session) => this.#session(session))}
            </ul>`
          : html`<p class="empty">No session is running. Start one below: it covers the projects you pick.</p>`
      }
      ${this.#startForm()} ${this.#log()}
    </div>`;
  }

  #session(session: SessionState) {
    const key = `session:${session.id}`;
    const projects = session.projects.map((p) => `${p.team}/${p.name}`).join(", ");
    const statusClass =
      session.status === "busy"
        ? "busy"
        : session.status === "failed"
          ? "failed"
          : session.status === "ready"
            ? "online"
            : "grey";
    return html`<li aria-label="Session ${session.id}">
      <div class="grow">
        <span class="badge ${statusClass}" role="status" aria-label="Status of session ${session.id}"
          >${STATUS_LABEL[session.status]}</span
        >
        <strong>${projects}</strong>
        <span class="muted mono">${session.id}</span>
        <div class="muted">
          ${session.agent}${session.conversation === "resumed" ? ", conversation resumed" : ""}
          ${
            session.mode || session.model
              ? html` ·
                  <span aria-label="Mode and model of session ${session.id}"
                    >${[session.mode && `mode ${session.mode}`, session.model && `model ${session.model}`]
                      .filter(Boolean)
                      .join(" · ")}</span
                  >`
              : nothing
          }
          ${
            session.turn
              ? html` · answering <span class="mono">${session.turn.sender}</span>${
                    session.turn.project ? ` in ${session.turn.project}` : " in the DM"
                  }
                  since ${new Date(session.turn.startedAt).toLocaleTimeString()}`
              : nothing
          }
          ${session.queued > 0 ? html` · ${session.queued} waiting` : nothing}
          ${session.paused ? html` · <strong>paused</strong>: ${session.paused}` : nothing}
        </div>
        ${session.error ? html`<p class="error">${session.error}</p>` : nothing}
      </div>
      <div class="actions">
        <button
          class="secondary"
          type="button"
          aria-label="Compact session ${session.id}"
          ?disabled=${this.isBusy(key)}
          @click=${() => void this.act(key, () => this.api.compactSession(this.agent.name, session.id))}
        >
          Compact
        </button>
        <button
          class="secondary"
          type="button"
          aria-label="Restart session ${session.id}"
          ?disabled=${this.isBusy(key)}
          @click=${() => void this.act(key, async () => void (await this.api.restartSession(this.agent.name, session.id)))}
        >
          Restart
        </button>
        <button
          class="danger"
          type="button"
          aria-label="Stop session ${session.id}"
          ?disabled=${this.isBusy(key)}
          @click=${() => void this.act(key, () => this.api.stopSession(this.agent.name, session.id))}
        >
          Stop
        </button>
      </div>
      ${this.errorFor(key)}
    </li>`;
  }

  #startForm() {
    const covered = new Set(
      (this.agent.runtime.state?.sessions ?? []).flatMap((s) => s.projects.map((p) => `${p.team}/${p.name}`)),
    );
    const free = this.agent.projects.map((p) => `${p.team}/${p.project}`).filter((p) => !covered.has(p));
    if (this.agent.projects.length === 0) {
      return html`<p class="muted">Add ${this.agent.name} to a project (on a team's page) to start a session.</p>`;
    }
    if (free.length === 0) return nothing;
    return html`<form class="inline" aria-label="Start a session of ${this.agent.name}" @submit=${this.#start}>
        <fieldset>
          <legend>Start a session covering</legend>
          ${free.map(
            (project, index) =>
              html`<label class="check"
                ><input type="checkbox" name="project" value=${project} ?checked=${index === 0} /> ${project}</label
              >`,
          )}
        </fieldset>
        <button type="submit" ?disabled=${this.isBusy("start")}>Start session</button>
      </form>
      ${this.errorFor("start")}`;
  }

  async #start(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const projects = new FormData(form).getAll("project").map(String);
    if (projects.length === 0) {
      this.actionErrors = { ...this.actionErrors, start: "Pick at least one project for the session." };
      return;
    }
    await this.act("start", async () => void (await this.api.startSession(this.agent.name, projects)));
  }

  #log() {
    return html`<details @toggle=${this.#onToggle}>
      <summary>Runtime log</summary>
      ${
        this.agent.runtime.online
          ? html`${
                this.logLines === null
                  ? html`<p class="muted">Loading…</p>`
                  : this.logLines.length === 0
                    ? html`<p class="empty">The log is empty.</p>`
                    : html`<pre class="log" aria-label="Log of ${this.agent.name}">${this.logLines.join("\n")}</pre>`
              }
              <button
                class="secondary"
                type="button"
                ?disabled=${this.isBusy("log")}
                @click=${() => void this.#loadLog()}
              >
                Refresh
              </button>
              ${this.errorFor("log")}`
          : html`<p class="muted">
              The log is on the machine the runtime runs on:
              <code class="mono">aachat agent logs ${this.agent.name}</code>
            </p>`
      }
    </details>`;
  }

  #onToggle = (event: Event): void => {
    if ((event.currentTarget as HTMLDetailsElement).open && this.agent.runtime.online) void this.#loadLog();
  };

  async #loadLog(): Promise<void> {
    await this.act("log", async () => {
      this.logLines = (await this.api.runtimeLogs(this.agent.name, LOG_LINES)).map(formatLogLine);
    });
  }
}

customElements.define("agent-runtime", AgentRuntime);

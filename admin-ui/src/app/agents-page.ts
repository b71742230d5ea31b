import { html, nothing } from "lit";
import type { Agent, ApiClient } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import type { Landing } from "./landing.ts";
import { submittedFields } from "./forms.ts";
import { onLive, type AgentRuntimeDetail, type ChangedDetail, type LiveEvents } from "./liveEvents.ts";
import { teamHref } from "./routes.ts";
import "./agent-runtime.ts";
import "./agent-usage.ts";
import "./token-panel.ts";

interface ShownToken {
  agentName: string;
  token: string;
}

/**
 * Your agents: register, rotate a runtime token (shown once), delete after confirming, and
 * each one's runtime with its sessions and log.
 */
export class AgentsPage extends ActionElement {
  static override properties = {
    api: { attribute: false },
    landing: { attribute: false },
    live: { attribute: false },
    agents: { state: true },
    shownToken: { state: true },
    confirmingDelete: { state: true },
  };

  declare api: ApiClient;
  declare landing: Landing;
  declare live: LiveEvents | undefined;
  declare private agents: Agent[] | null;
  declare private shownToken: ShownToken | null;
  declare private confirmingDelete: string | null;

  constructor() {
    super();
    this.agents = null;
    this.shownToken = null;
    this.confirmingDelete = null;
  }

  #unsubscribe: (() => void)[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = [
      onLive<AgentRuntimeDetail>(this.live, "agent-runtime", (detail) => this.#runtimeChanged(detail)),
      onLive<ChangedDetail>(this.live, "changed", ({ scope }) => {
        if (scope === "agents") void this.#load();
      }),
    ];
    void this.#load();
  }

  override disconnectedCallback(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    super.disconnectedCallback();
  }

  #runtimeChanged({ agent: name, online, connectedAt, state }: AgentRuntimeDetail): void {
    if (!this.agents) return;
    this.agents = this.agents.map((agent) =>
      agent.name === name
        ? { ...agent, runtime: { online, connectedAt: online ? connectedAt : null, state: online ? state : null } }
        : agent,
    );
  }

  async #load(): Promise<void> {
    await this.act("load", async () => {
      this.agents = await this.api.listAgents();
    });
  }

  override render() {
    return html`
      <h1>Agents</h1>
      <p class="muted">
        An agent is a Matrix user (<span class="mono">@agent_…</span>) that you own. Its runtime signs in with a runtime
        token.
      </p>
      ${
        this.shownToken
          ? html`<token-panel
              .agentName=${this.shownToken.agentName}
              .token=${this.shownToken.token}
              @dismiss=${() => (this.shownToken = null)}
            ></token-panel>`
          : nothing
      }
      <section class="card" aria-labelledby="your-agents">
        <h2 id="your-agents">Your agents</h2>
        ${this.errorFor("load")} ${this.agents === null ? html`<p class="muted">Loading…</p>` : this.#list(this.agents)}
      </section>
      <section class="card" aria-labelledby="register-agent">
        <h2 id="register-agent">Register an agent</h2>
        <form class="inline" aria-label="Register an agent" @submit=${this.#register}>
          <label>Name <input name="name" required placeholder="reviewer" /></label>
          <label>Display name <input name="displayName" maxlength="100" placeholder="Reviewer" /></label>
          <button type="submit" ?disabled=${this.isBusy("register")}>Register agent</button>
        </form>
        <p class="muted">A name is 2-32 lowercase letters, digits or "-", starting with a letter.</p>
        ${this.errorFor("register")}
      </section>
    `;
  }

  #list(agents: Agent[]) {
    if (agents.length === 0) {
      return html`<p class="empty">No agents yet. Register one below, then add it to a project on a team's page.</p>`;
    }
    return html`<ul class="rows" aria-label="Agents">
      ${agents.map((agent) => this.#row(agent))}
    </ul>`;
  }

  #row(agent: Agent) {
    const key = `agent:${agent.name}`;
    return html`<li>
      <div class="grow">
        <strong>${agent.displayName}</strong> <span class="mono muted">${agent.userId}</span>
        ${runtimeBadge(agent)}
        <div class="muted">
          ${
            agent.projects.length === 0
              ? "In no project yet."
              : html`Projects:
                ${agent.projects.map(
                  (p, index) => html`${index > 0 ? ", " : ""}<a href=${teamHref(p.team)}>${p.team}/${p.project}</a>`,
                )}`
          }
        </div>
        <div class="muted">
          ${
            agent.tokenIssuedAt
              ? `Token issued ${new Date(agent.tokenIssuedAt).toLocaleString()}`
              : "No runtime token: rotate to issue one."
          }
        </div>
      </div>
      <div class="actions">
        ${
          this.confirmingDelete === agent.name
            ? html`<span>Delete ${agent.name}? It leaves every room.</span>
                <button
                  class="danger"
                  type="button"
                  ?disabled=${this.isBusy(key)}
                  @click=${() => void this.#delete(agent.name)}
                >
                  Yes, delete
                </button>
                <button class="secondary" type="button" @click=${() => (this.confirmingDelete = null)}>Cancel</button>`
            : html`<button
                  class="secondary"
                  type="button"
                  aria-label="Rotate token of ${agent.name}"
                  ?disabled=${this.isBusy(key)}
                  @click=${() => void this.#rotate(agent.name)}
                >
                  Rotate token
                </button>
                <button
                  class="danger"
                  type="button"
                  aria-label="Delete ${agent.name}"
                  @click=${() => (this.confirmingDelete = agent.name)}
                >
                  Delete
                </button>`
        }
      </div>
      ${this.errorFor(key)}
      <agent-runtime class="full" .api=${this.api} .agent=${agent}></agent-runtime>
      <agent-usage class="full" .api=${this.api} .agent=${agent}></agent-usage>
    </li>`;
  }

  async #register(event: SubmitEvent): Promise<void> {
    const fields = submittedFields(event);
    const name = fields.get("name");
    const displayName = fields.get("displayName");
    const registered = await this.act("register", async () => {
      const { agent, runtimeToken } = await this.api.createAgent({ name, displayName: displayName || undefined });
      this.shownToken = { agentName: name, token: runtimeToken };
      await this.landing.agentDm(agent);
    });
    if (!registered) return;
    fields.form.reset();
    await this.#load();
  }

  async #rotate(name: string): Promise<void> {
    const rotated = await this.act(`agent:${name}`, async () => {
      const { runtimeToken } = await this.api.rotateAgentToken(name);
      this.shownToken = { agentName: name, token: runtimeToken };
    });
    if (rotated) await this.#load();
  }

  async #delete(name: string): Promise<void> {
    const deleted = await this.act(`agent:${name}`, () => this.api.deleteAgent(name));
    if (!deleted) return;
    this.confirmingDelete = null;
    if (this.shownToken?.agentName === name) this.shownToken = null;
    await this.#load();
  }
}

/** The agent's runtime: online since when, or offline. */
function runtimeBadge(agent: Agent) {
  const { online, connectedAt, state } = agent.runtime;
  const busy = state?.sessions.some((session) => session.status === "busy");
  return online
    ? html`<span class="badge online" role="status" aria-label="Runtime of ${agent.name}"
        >Online${connectedAt ? ` since ${new Date(connectedAt).toLocaleTimeString()}` : ""}${busy ? ", working" : ""}</span
      >`
    : html`<span class="badge grey" role="status" aria-label="Runtime of ${agent.name}">Offline</span>`;
}

customElements.define("agents-page", AgentsPage);

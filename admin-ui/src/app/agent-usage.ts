import { css, html, nothing, type PropertyValues } from "lit";
import type { Agent, AgentUsageReport, ApiClient } from "@aachat/api";
import type { UsageTotals } from "@aachat/protocol";
import { ActionElement } from "./ActionElement.ts";
import { submittedFields } from "./forms.ts";

function dollars(usd: number): string {
  return usd > 0 && usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

function tokens(count: number): string {
  return count >= 1000 ? `${(count / 1000).toFixed(1).replace(/\.0$/, "")}k tokens` : `${count} tokens`;
}

function cell(totals: UsageTotals) {
  return html`${dollars(totals.costUsd)} <span class="muted">${tokens(totals.tokens)}</span>`;
}

/**
 * What one agent has cost (UTC days, weeks from Monday), per agent and per running session,
 * and its daily cost limit, which its owner can set here: it takes the place of the one in
 * the agent's environment.yaml until cleared.
 */
export class AgentUsage extends ActionElement {
  static override styles = [
    ActionElement.styles,
    css`
      .usage {
        margin-top: 0.5rem;
        border-top: 1px dashed var(--border);
        padding-top: 0.5rem;
      }
      table {
        border-collapse: collapse;
        font-size: 0.9rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.15rem 0.9rem 0.15rem 0;
        font-weight: normal;
      }
      th {
        color: var(--muted);
      }
      input[type="number"] {
        width: 7rem;
      }
    `,
  ];

  static override properties = {
    ...ActionElement.properties,
    api: { attribute: false },
    agent: { attribute: false },
    usage: { state: true },
  };

  declare api: ApiClient;
  declare agent: Agent;
  declare private usage: AgentUsageReport | null;

  constructor() {
    super();
    this.usage = null;
  }

  // The page hands over a fresh agent whenever it changed (a turn's cost is such a change).
  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("agent")) void this.#load();
  }

  async #load(): Promise<void> {
    await this.act("load", async () => {
      this.usage = await this.api.agentUsage(this.agent.name);
    });
  }

  override render() {
    const usage = this.usage;
    if (!usage) return html`<div class="usage">${this.errorFor("load")}</div>`;
    const name = this.agent.name;
    const source =
      usage.limitSource === "owner"
        ? "set here"
        : usage.limitSource === "environment"
          ? "from environment.yaml"
          : "no limit";
    return html`<div class="usage">
      <table aria-label="Cost of ${name}">
        <tr>
          <th scope="col">Cost (UTC)</th>
          <th scope="col">Today</th>
          <th scope="col">This week</th>
          <th scope="col">In all</th>
        </tr>
        <tr>
          <th scope="row">${name}</th>
          <td>${cell(usage.today)}</td>
          <td>${cell(usage.week)}</td>
          <td>${cell(usage.total)}</td>
        </tr>
        ${usage.sessions.map(
          (session) =>
            html`<tr>
              <th scope="row" class="mono">${session.sessionId}</th>
              <td>${cell(session.today)}</td>
              <td>${cell(session.week)}</td>
              <td>${cell(session.total)}</td>
            </tr>`,
        )}
      </table>
      <form class="inline" aria-label="Daily cost limit of ${name}" @submit=${this.#setLimit}>
        <label
          >Daily limit (USD)
          <input
            type="number"
            name="limit"
            min="0"
            step="0.01"
            .value=${usage.dailyLimitUsd === null ? "" : String(usage.dailyLimitUsd)}
            placeholder="none"
          />
        </label>
        <span class="muted">${source}</span>
        <button type="submit" ?disabled=${this.isBusy("limit")}>Set limit</button>
        ${
          usage.limitSource === "owner"
            ? html`<button
                class="secondary"
                type="button"
                ?disabled=${this.isBusy("limit")}
                @click=${() => void this.#save(null)}
              >
                Use environment.yaml's
              </button>`
            : nothing
        }
      </form>
      ${this.errorFor("limit")}
    </div>`;
  }

  async #setLimit(event: SubmitEvent): Promise<void> {
    const text = submittedFields(event).get("limit");
    const usd = Number(text);
    if (text === "" || !Number.isFinite(usd) || usd < 0) {
      this.actionErrors = { ...this.actionErrors, limit: "Give the limit in US dollars, e.g. 5 or 2.50." };
      return;
    }
    await this.#save(usd);
  }

  async #save(usd: number | null): Promise<void> {
    await this.act("limit", async () => {
      this.usage = await this.api.setAgentBudget(this.agent.name, usd);
    });
  }
}

customElements.define("agent-usage", AgentUsage);

import { css, html, nothing } from "lit";
import type { Agent, ApiClient, Project } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import { submittedFields } from "./forms.ts";
import { matrixToHref } from "./routes.ts";

/** One project: open it in Matrix, archive it, and add or remove your agents. */
export class ProjectCard extends ActionElement {
  static override properties = {
    api: { attribute: false },
    team: { type: String },
    project: { attribute: false },
    myAgents: { attribute: false },
    isAdmin: { type: Boolean },
  };
  static override styles = [
    ActionElement.styles,
    css`
      article {
        border: 1px solid var(--border);
        border-radius: var(--radius);
        padding: 0.75rem 1rem;
        margin: 0.75rem 0;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
      }
      h3 {
        margin: 0;
      }
      ul.rows {
        margin: 0.25rem 0 0.5rem;
      }
    `,
  ];

  declare api: ApiClient;
  declare team: string;
  declare project: Project;
  declare myAgents: Agent[];
  declare isAdmin: boolean;

  override render() {
    const project = this.project;
    const mine = new Set(this.myAgents.map((agent) => agent.name));
    const addable = this.myAgents.filter((agent) => !project.agents.includes(agent.name));
    return html`<article aria-label="Project ${project.name}">
      <div class="head">
        <h3 class="grow">
          ${project.name} ${project.archived ? html`<span class="badge grey">archived</span>` : nothing}
        </h3>
        <a href=${matrixToHref(project.roomId)} target="_blank" rel="noopener noreferrer">Open in Matrix</a>
        ${
          this.isAdmin && !project.archived
            ? html`<button
                class="danger"
                type="button"
                aria-label="Archive project ${project.name}"
                ?disabled=${this.isBusy("archive")}
                @click=${() => void this.#archive()}
              >
                Archive
              </button>`
            : nothing
        }
      </div>
      ${this.errorFor("archive")}
      <h4 class="visually-hidden">Agents</h4>
      ${
        project.agents.length === 0
          ? html`<p class="muted">No agents in this project.</p>`
          : html`<ul class="rows" aria-label="Agents in ${project.name}">
              ${project.agents.map(
                (name) =>
                  html`<li>
                    <span class="grow"><span class="badge">agent</span> ${name}</span>
                    ${
                      mine.has(name) && !project.archived
                        ? html`<button
                            class="secondary"
                            type="button"
                            aria-label="Remove ${name} from ${project.name}"
                            ?disabled=${this.isBusy(`agent:${name}`)}
                            @click=${() => void this.#removeAgent(name)}
                          >
                            Remove
                          </button>`
                        : nothing
                    }
                    ${this.errorFor(`agent:${name}`)}
                  </li>`,
              )}
            </ul>`
      }
      ${project.archived ? nothing : this.#addForm(addable)}
    </article>`;
  }

  #addForm(addable: Agent[]) {
    if (this.myAgents.length === 0) {
      return html`<p class="empty">You have no agents yet. <a href="#/agents">Register one</a> to add it here.</p>`;
    }
    if (addable.length === 0) return html`<p class="muted">All your agents are in this project.</p>`;
    return html`<form class="inline" aria-label="Add an agent to ${this.project.name}" @submit=${this.#addAgent}>
        <label
          >Your agent
          <select name="agent">
            ${addable.map((agent) => html`<option value=${agent.name}>${agent.displayName} (${agent.name})</option>`)}
          </select></label
        >
        <button type="submit" ?disabled=${this.isBusy("add")}>Add agent</button>
      </form>
      ${this.errorFor("add")}`;
  }

  async #addAgent(event: SubmitEvent): Promise<void> {
    const agent = submittedFields(event).get("agent");
    const { team, project } = this;
    if (await this.act("add", () => this.api.addProjectAgent(team, project.name, agent).then(() => undefined))) {
      this.announceChange();
    }
  }

  async #removeAgent(agent: string): Promise<void> {
    const { team, project } = this;
    const removed = await this.act(`agent:${agent}`, () =>
      this.api.removeProjectAgent(team, project.name, agent).then(() => undefined),
    );
    if (removed) this.announceChange();
  }

  async #archive(): Promise<void> {
    const { team, project } = this;
    if (await this.act("archive", () => this.api.archiveProject(team, project.name).then(() => undefined))) {
      this.announceChange();
    }
  }
}

customElements.define("project-card", ProjectCard);

import { html } from "lit";
import type { Agent, ApiClient, Project } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import type { Landing } from "./landing.ts";
import { submittedFields } from "./forms.ts";
import "./project-card.ts";

/** A team's projects, each with its agents, and a form to create one. */
export class TeamProjects extends ActionElement {
  static override properties = {
    api: { attribute: false },
    landing: { attribute: false },
    team: { type: String },
    projects: { attribute: false },
    isAdmin: { type: Boolean },
    myAgents: { state: true },
  };

  declare api: ApiClient;
  declare landing: Landing;
  declare team: string;
  declare projects: Project[];
  declare isAdmin: boolean;
  declare private myAgents: Agent[] | null;

  constructor() {
    super();
    this.myAgents = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.act("agents", async () => {
      this.myAgents = await this.api.listAgents();
    });
  }

  override render() {
    return html`
      <section class="card" aria-labelledby="projects">
        <h2 id="projects">Projects</h2>
        ${this.errorFor("agents")}
        ${
          this.projects.length === 0
            ? html`<p class="empty">No projects yet. Create one below, then add your agents to it.</p>`
            : this.projects.map(
                (project) =>
                  html`<project-card
                    .api=${this.api}
                    .team=${this.team}
                    .project=${project}
                    .myAgents=${this.myAgents ?? []}
                    .isAdmin=${this.isAdmin}
                  ></project-card>`,
              )
        }
        <form class="inline" aria-label="Create a project" @submit=${this.#create}>
          <label>Project name <input name="name" required placeholder="website" /></label>
          <button type="submit" ?disabled=${this.isBusy("create")}>Create project</button>
        </form>
        ${this.errorFor("create")}
      </section>
    `;
  }

  async #create(event: SubmitEvent): Promise<void> {
    const fields = submittedFields(event);
    const name = fields.get("name");
    const created = await this.act("create", async () => {
      // The server invites the project's creator into its room.
      const project = await this.api.createProject(this.team, { name });
      await this.landing.join([{ roomId: project.roomId, what: `project ${project.name}` }]);
    });
    if (created) {
      fields.form.reset();
      this.announceChange();
    }
  }
}

customElements.define("team-projects", TeamProjects);

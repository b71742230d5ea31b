import { html, nothing } from "lit";
import type { ApiClient, MeResponse, Team } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import type { Landing } from "./landing.ts";
import { onLive, type ChangedDetail, type LiveEvents } from "./liveEvents.ts";
import { submittedFields } from "./forms.ts";
import { teamHref } from "./routes.ts";

/** Your teams, and a form to create an organisation team. */
export class TeamsPage extends ActionElement {
  static override properties = {
    api: { attribute: false },
    landing: { attribute: false },
    me: { attribute: false },
    live: { attribute: false },
    teams: { state: true },
  };

  declare api: ApiClient;
  declare landing: Landing;
  declare me: MeResponse;
  declare live: LiveEvents | undefined;
  #unsubscribe: () => void = () => undefined;
  declare private teams: Team[] | null;

  constructor() {
    super();
    this.teams = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = onLive<ChangedDetail>(this.live, "changed", ({ scope }) => {
      if (scope === "teams") void this.#load();
    });
    void this.#load();
  }

  override disconnectedCallback(): void {
    this.#unsubscribe();
    super.disconnectedCallback();
  }

  async #load(): Promise<void> {
    await this.act("load", async () => {
      this.teams = await this.api.listTeams();
    });
  }

  override render() {
    return html`
      <h1>Teams</h1>
      <p class="muted">Each team is a Matrix space. Your personal team holds your agents' direct messages.</p>
      <section class="card" aria-labelledby="your-teams">
        <h2 id="your-teams">Your teams</h2>
        ${this.errorFor("load")} ${this.teams === null ? html`<p class="muted">Loading…</p>` : this.#list(this.teams)}
      </section>
      <section class="card" aria-labelledby="create-team">
        <h2 id="create-team">Create an organisation team</h2>
        <form class="inline" aria-label="Create a team" @submit=${this.#create}>
          <label>Slug <input name="slug" required placeholder="acme" /></label>
          <label>Name <input name="name" maxlength="100" placeholder="Acme Inc." /></label>
          <button type="submit" ?disabled=${this.isBusy("create")}>Create team</button>
        </form>
        <p class="muted">A slug is 2-39 lowercase letters, digits or "-". You become the team's owner.</p>
        ${this.errorFor("create")}
      </section>
    `;
  }

  #list(teams: Team[]) {
    if (teams.length === 0) return html`<p class="empty">No teams yet. Create one below.</p>`;
    return html`<ul class="rows" aria-label="Teams">
      ${teams.map(
        (team) =>
          html`<li>
            <div class="grow">
              <a href=${teamHref(team.slug)}><strong>${team.name}</strong></a>
              <span class="muted mono">${team.slug}</span>
            </div>
            <span class="badge grey">${team.kind}</span>
            ${team.myRole ? html`<span class="badge">${team.myRole}</span>` : nothing}
          </li>`,
      )}
    </ul>`;
  }

  async #create(event: SubmitEvent): Promise<void> {
    const fields = submittedFields(event);
    const slug = fields.get("slug");
    const name = fields.get("name");
    const created = await this.act("create", async () => {
      const team = await this.api.createTeam({ slug, name: name || undefined });
      await this.landing.join([{ roomId: team.spaceRoomId, what: `team ${team.slug}'s space` }]);
    });
    if (!created) return;
    fields.form.reset();
    location.hash = teamHref(slug);
  }
}

customElements.define("teams-page", TeamsPage);

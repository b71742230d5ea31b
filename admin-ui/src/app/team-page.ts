import { html } from "lit";
import type { ApiClient, MeResponse, TeamDetail } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import type { Landing } from "./landing.ts";
import { onLive, type ChangedDetail, type LiveEvents } from "./liveEvents.ts";
import "./team-members.ts";
import "./team-streams.ts";
import "./team-projects.ts";

/** One team: its members, streams and projects. Reloads whenever one of its sections changes something. */
export class TeamPage extends ActionElement {
  static override properties = {
    api: { attribute: false },
    landing: { attribute: false },
    me: { attribute: false },
    live: { attribute: false },
    slug: { type: String },
    detail: { state: true },
  };

  declare api: ApiClient;
  declare landing: Landing;
  declare me: MeResponse;
  declare live: LiveEvents | undefined;
  #unsubscribe: () => void = () => undefined;
  declare slug: string;
  declare private detail: TeamDetail | null;

  constructor() {
    super();
    this.detail = null;
    this.addEventListener("data-changed", () => void this.#load());
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = onLive<ChangedDetail>(this.live, "changed", ({ scope }) => {
      if (scope === "teams") void this.#load();
    });
  }

  override disconnectedCallback(): void {
    this.#unsubscribe();
    super.disconnectedCallback();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has("slug")) {
      this.detail = null;
      void this.#load();
    }
  }

  async #load(): Promise<void> {
    const slug = this.slug;
    await this.act("load", async () => {
      const detail = await this.api.getTeam(slug);
      if (slug === this.slug) this.detail = detail;
    });
  }

  override render() {
    const detail = this.detail;
    if (!detail) {
      return html`<p><a href="#/teams">← Teams</a></p>
        ${this.errorFor("load")}${this.actionErrors["load"] ? "" : html`<p class="muted">Loading…</p>`}`;
    }
    const { team } = detail;
    const isAdmin = team.myRole === "owner" || team.myRole === "admin";
    return html`
      <p><a href="#/teams">← Teams</a></p>
      <h1>${team.name}</h1>
      <p class="muted">
        <span class="mono">${team.slug}</span> · <span class="badge grey">${team.kind}</span> · you are
        <span class="badge">${team.myRole ?? "not a member"}</span>
      </p>
      ${this.errorFor("load")}
      <team-members .api=${this.api} .me=${this.me} .team=${team} .members=${detail.members}></team-members>
      <team-streams
        .api=${this.api}
        .landing=${this.landing}
        .team=${team.slug}
        .streams=${detail.streams}
        .isAdmin=${isAdmin}
      ></team-streams>
      <team-projects
        .api=${this.api}
        .landing=${this.landing}
        .team=${team.slug}
        .projects=${detail.projects}
        .isAdmin=${isAdmin}
      ></team-projects>
    `;
  }
}

customElements.define("team-page", TeamPage);

import { html, nothing } from "lit";
import { live } from "lit/directives/live.js";
import type { ApiClient, Stream } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import type { Landing } from "./landing.ts";
import { submittedFields } from "./forms.ts";
import { matrixToHref } from "./routes.ts";

/** A team's streams: create, archive, and switch humans_only (agents may read but not post). */
export class TeamStreams extends ActionElement {
  static override properties = {
    api: { attribute: false },
    landing: { attribute: false },
    team: { type: String },
    streams: { attribute: false },
    isAdmin: { type: Boolean },
    requestedHumansOnly: { state: true },
  };

  declare api: ApiClient;
  declare landing: Landing;
  declare team: string;
  declare streams: Stream[];
  declare isAdmin: boolean;
  /** The switch's new position while the change is sent and the team reloaded. */
  declare private requestedHumansOnly: Record<string, boolean>;

  constructor() {
    super();
    this.requestedHumansOnly = {};
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has("streams")) this.requestedHumansOnly = {};
  }

  override render() {
    return html`
      <section class="card" aria-labelledby="streams">
        <h2 id="streams">Streams</h2>
        ${
          this.streams.length === 0
            ? html`<p class="empty">No streams yet. Create one below: it becomes a room in the team's space.</p>`
            : html`<ul class="rows" aria-label="Streams">
                ${this.streams.map((stream) => this.#row(stream))}
              </ul>`
        }
        <form class="inline" aria-label="Create a stream" @submit=${this.#create}>
          <label>Stream name <input name="name" required placeholder="general" /></label>
          <label class="check"><input type="checkbox" name="humansOnly" checked /> Humans only</label>
          <button type="submit" ?disabled=${this.isBusy("create")}>Create stream</button>
        </form>
        ${this.errorFor("create")}
      </section>
    `;
  }

  #row(stream: Stream) {
    const key = `stream:${stream.name}`;
    return html`<li data-stream=${stream.name}>
      <span class="grow"
        ><strong>#${stream.name}</strong>
        ${stream.archived ? html`<span class="badge grey">archived</span>` : nothing}</span
      >
      <label class="check" title="While on, agents can read this stream but not post in it">
        <input
          type="checkbox"
          aria-label="Humans only: ${stream.name}"
          .checked=${live(this.requestedHumansOnly[stream.name] ?? stream.humansOnly)}
          ?disabled=${!this.isAdmin || stream.archived || this.isBusy(key)}
          @change=${(event: Event) => void this.#setHumansOnly(stream, (event.target as HTMLInputElement).checked)}
        />
        Humans only
      </label>
      <a href=${matrixToHref(stream.roomId)} target="_blank" rel="noopener noreferrer">Open in Matrix</a>
      ${
        this.isAdmin && !stream.archived
          ? html`<button
              class="danger"
              type="button"
              aria-label="Archive stream ${stream.name}"
              ?disabled=${this.isBusy(key)}
              @click=${() => void this.#archive(stream.name)}
            >
              Archive
            </button>`
          : nothing
      }
      ${this.errorFor(key)}
    </li>`;
  }

  async #create(event: SubmitEvent): Promise<void> {
    const fields = submittedFields(event);
    const body = { name: fields.get("name"), humansOnly: fields.checked("humansOnly") };
    const created = await this.act("create", async () => {
      const stream = await this.api.createStream(this.team, body);
      await this.landing.join([{ roomId: stream.roomId, what: `stream ${stream.name}` }]);
    });
    if (created) {
      fields.form.reset();
      this.announceChange();
    }
  }

  async #setHumansOnly(stream: Stream, humansOnly: boolean): Promise<void> {
    this.requestedHumansOnly = { ...this.requestedHumansOnly, [stream.name]: humansOnly };
    const changed = await this.act(`stream:${stream.name}`, async () => {
      await this.api.updateStream(this.team, stream.name, { humansOnly });
    });
    if (changed) this.announceChange();
    else this.requestedHumansOnly = { ...this.requestedHumansOnly, [stream.name]: stream.humansOnly };
  }

  async #archive(name: string): Promise<void> {
    if (await this.act(`stream:${name}`, () => this.api.archiveStream(this.team, name).then(() => undefined))) {
      this.announceChange();
    }
  }
}

customElements.define("team-streams", TeamStreams);

import { css, html, LitElement, nothing } from "lit";
import { ApiClient, ApiError, type MeResponse } from "@aachat/api";
import { fetchConsoleConfig, type ConsoleConfig } from "./consoleConfig.ts";
import { Landing, LandingNoteEvent } from "./landing.ts";
import { LiveEvents, type LiveState } from "./liveEvents.ts";
import { messageOf } from "./errors.ts";
import type { SignedInDetail } from "./login-form.ts";
import { logoutFromHomeserver } from "./matrixAuth.ts";
import { parseRoute, type Route } from "./routes.ts";
import { clearSession, loadSession, saveSession, type Session } from "./session.ts";
import { sharedStyles } from "./styles.ts";
import "./login-form.ts";
import "./teams-page.ts";
import "./team-page.ts";
import "./agents-page.ts";

/** The console: loads its config, restores the tab's session, and shows the login form or the signed-in layout. */
export class AachatApp extends LitElement {
  static override properties = {
    config: { state: true },
    session: { state: true },
    me: { state: true },
    route: { state: true },
    startupError: { state: true },
    loggingOut: { state: true },
    liveState: { state: true },
    notes: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      .layout {
        display: grid;
        grid-template-columns: 14rem minmax(0, 1fr);
        grid-template-rows: auto 1fr;
        grid-template-areas: "top top" "side main";
        min-height: 100vh;
      }
      header {
        grid-area: top;
        display: flex;
        align-items: center;
        gap: 1rem;
        padding: 0.6rem 1.25rem;
        background: var(--surface);
        border-bottom: 1px solid var(--border);
      }
      .brand {
        font-weight: 800;
        font-size: 1.2rem;
        letter-spacing: -0.02em;
        text-decoration: none;
        color: var(--text);
      }
      .brand span {
        color: var(--muted);
        font-weight: 500;
      }
      .user {
        margin-left: auto;
        display: flex;
        align-items: center;
        gap: 0.75rem;
        min-width: 0;
      }
      .live {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        font-size: 0.85rem;
        color: var(--muted);
      }
      .live::before {
        content: "";
        width: 0.55rem;
        height: 0.55rem;
        border-radius: 50%;
        background: var(--muted);
      }
      .live.on {
        color: var(--ok, #1a7f37);
      }
      .live.on::before {
        background: var(--ok, #1a7f37);
      }
      .live.off::before {
        background: var(--danger, #b42318);
      }
      .user .mono {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      nav {
        grid-area: side;
        padding: 1rem 0.75rem;
        border-right: 1px solid var(--border);
        background: var(--surface);
      }
      nav ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      nav a {
        display: block;
        padding: 0.45rem 0.75rem;
        border-radius: 6px;
        color: var(--text);
        text-decoration: none;
        font-weight: 600;
      }
      nav a:hover {
        background: var(--bg);
      }
      nav a[aria-current="page"] {
        background: var(--accent-soft);
        color: var(--accent);
      }
      main {
        grid-area: main;
        padding: 1.5rem;
        max-width: 60rem;
        width: 100%;
        min-width: 0;
      }
      .notes {
        display: grid;
        gap: 0.5rem;
        margin-bottom: 1rem;
      }
      .note {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        margin: 0;
        padding: 0.5rem 0.75rem;
        border: 1px solid var(--border);
        border-left: 4px solid var(--accent);
        border-radius: 6px;
        background: var(--surface);
      }
      .note span {
        flex: 1;
      }
      .status {
        padding: 2rem;
        text-align: center;
      }
      @media (max-width: 640px) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
          grid-template-rows: auto auto 1fr;
          grid-template-areas: "top" "side" "main";
        }
        header {
          padding: 0.5rem 0.75rem;
          gap: 0.5rem;
        }
        .brand span {
          display: none;
        }
        nav {
          border-right: none;
          border-bottom: 1px solid var(--border);
          padding: 0.4rem 0.75rem;
        }
        nav ul {
          grid-auto-flow: column;
          justify-content: start;
        }
        main {
          padding: 1rem 0.75rem;
        }
      }
    `,
  ];

  declare private config: ConsoleConfig | null;
  declare private session: Session | null;
  declare private me: MeResponse | null;
  declare private route: Route;
  declare private startupError: string | null;
  declare private loggingOut: boolean;
  declare private liveState: LiveState;
  /** What could not be done for the person in their Matrix client, shown until dismissed. */
  declare private notes: string[];
  #api: ApiClient | null = null;
  #landing: Landing | null = null;
  #live: LiveEvents | null = null;
  readonly #onHashChange = () => (this.route = parseRoute(location.hash));

  constructor() {
    super();
    this.config = null;
    this.session = null;
    this.me = null;
    this.route = parseRoute(location.hash);
    this.startupError = null;
    this.loggingOut = false;
    this.liveState = "connecting";
    this.notes = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("hashchange", this.#onHashChange);
    void this.#start();
  }

  override disconnectedCallback(): void {
    window.removeEventListener("hashchange", this.#onHashChange);
    this.#stopLive();
    super.disconnectedCallback();
  }

  async #start(): Promise<void> {
    try {
      this.config = await fetchConsoleConfig();
      const stored = loadSession();
      if (!stored) return;
      const api = new ApiClient({ serverUrl: location.origin, accessToken: stored.accessToken });
      try {
        this.#signIn(stored, await api.me());
      } catch (error) {
        // An expired or revoked token: sign in again.
        if (error instanceof ApiError && error.status === 401) clearSession();
        else throw error;
      }
    } catch (error) {
      this.startupError = messageOf(error);
    }
  }

  #signIn(session: Session, me: MeResponse): void {
    saveSession(session);
    this.#api = new ApiClient({ serverUrl: location.origin, accessToken: session.accessToken });
    this.session = session;
    this.me = me;
    this.#startLive(session);
    const landing = new Landing(session);
    landing.addEventListener(LandingNoteEvent.type, (event) => {
      if (event instanceof LandingNoteEvent && this.#landing === landing) this.notes = [...this.notes, event.message];
    });
    this.#landing = landing;
    void landing.signedIn(this.#api, me);
  }

  /** Opens the live event stream: pages reload on changes, and the top bar shows whether it is up. */
  #startLive(session: Session): void {
    this.#stopLive();
    const live = new LiveEvents(location.origin, session.accessToken);
    live.addEventListener("state", () => (this.liveState = live.state));
    this.#live = live;
    this.liveState = live.state;
    live.start();
  }

  #stopLive(): void {
    this.#live?.stop();
    this.#live = null;
  }

  /** Ends the session at the homeserver first (so the token is dead before the form shows), then forgets it. */
  async #logOut(): Promise<void> {
    this.loggingOut = true;
    if (this.session) await logoutFromHomeserver(this.session);
    this.#stopLive();
    clearSession();
    this.session = null;
    this.me = null;
    this.#api = null;
    this.#landing = null;
    this.notes = [];
    this.loggingOut = false;
  }

  override render() {
    if (this.startupError) return html`<p class="status error" role="alert">${this.startupError}</p>`;
    if (!this.config) return html`<p class="status muted">Loading…</p>`;
    if (!this.session || !this.me || !this.#api || !this.#landing) {
      return html`<login-form
        .homeserverUrl=${this.config.homeserverUrl}
        .serverName=${this.config.serverName}
        @signed-in=${(event: CustomEvent<SignedInDetail>) => this.#signIn(event.detail.session, event.detail.me)}
      ></login-form>`;
    }
    return html`
      <div class="layout">
        <header>
          <a class="brand" href="#/teams">aachat <span>console</span></a>
          <span
            class="live ${this.liveState === "live" ? "on" : this.liveState === "reconnecting" ? "off" : ""}"
            role="status"
            aria-label="Live updates"
            >${this.liveState === "live" ? "Live" : this.liveState === "reconnecting" ? "Reconnecting…" : "Connecting…"}</span
          >
          <div class="user">
            <span class="mono" title="Signed in as">${this.me.userId}</span>
            <button class="secondary" type="button" ?disabled=${this.loggingOut} @click=${() => void this.#logOut()}>
              ${this.loggingOut ? "Logging out…" : "Log out"}
            </button>
          </div>
        </header>
        <nav aria-label="Sections">
          <ul>
            <li><a href="#/teams" aria-current=${this.route.page === "agents" ? nothing : "page"}>Teams</a></li>
            <li><a href="#/agents" aria-current=${this.route.page === "agents" ? "page" : nothing}>Agents</a></li>
          </ul>
        </nav>
        <main>${this.#notes()}${this.#page(this.#api, this.#landing, this.me)}</main>
      </div>
    `;
  }

  #notes() {
    if (this.notes.length === 0) return nothing;
    return html`<div class="notes" role="status" aria-label="Notes">
      ${this.notes.map(
        (note, index) =>
          html`<p class="note">
            <span>${note}</span>
            <button
              class="secondary"
              type="button"
              @click=${() => (this.notes = this.notes.filter((_, other) => other !== index))}
            >
              Dismiss
            </button>
          </p>`,
      )}
    </div>`;
  }

  #page(api: ApiClient, landing: Landing, me: MeResponse) {
    const live = this.#live ?? undefined;
    switch (this.route.page) {
      case "agents":
        return html`<agents-page .api=${api} .landing=${landing} .live=${live}></agents-page>`;
      case "team":
        return html`<team-page
          .api=${api}
          .landing=${landing}
          .me=${me}
          .live=${live}
          .slug=${this.route.slug}
        ></team-page>`;
      default:
        return html`<teams-page .api=${api} .landing=${landing} .me=${me} .live=${live}></teams-page>`;
    }
  }
}

customElements.define("aachat-app", AachatApp);

import { css, html } from "lit";
import { ApiClient, type MeResponse } from "@aachat/api";
import { ActionElement } from "./ActionElement.ts";
import { submittedFields } from "./forms.ts";
import { loginWithPassword } from "./matrixAuth.ts";
import type { Session } from "./session.ts";

export interface SignedInDetail {
  session: Session;
  me: MeResponse;
}

/** User name and password: logs in to the homeserver, then asks the aachat API who that is. */
export class LoginForm extends ActionElement {
  static override properties = {
    homeserverUrl: { type: String },
    serverName: { type: String },
  };
  static override styles = [
    ActionElement.styles,
    css`
      :host {
        display: grid;
        place-items: center;
        min-height: 100vh;
        padding: 1rem;
      }
      .card {
        width: min(100%, 24rem);
        padding: 2rem;
      }
      form {
        display: grid;
        gap: 0.9rem;
      }
      .brand {
        font-size: 1.6rem;
        font-weight: 800;
        letter-spacing: -0.02em;
        margin-bottom: 0.25rem;
      }
      button {
        padding: 0.55rem;
      }
    `,
  ];

  declare homeserverUrl: string;
  declare serverName: string;

  override firstUpdated(): void {
    performance.mark("aachat-login-form-rendered");
  }

  override render() {
    return html`
      <main class="card">
        <div class="brand">aachat</div>
        <p class="muted">Sign in to the admin console with your Matrix account on ${this.serverName}.</p>
        <form aria-label="Sign in" @submit=${this.#submit}>
          <label>User name <input name="user" autocomplete="username" required autofocus /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <button type="submit" ?disabled=${this.isBusy("login")}>
            ${this.isBusy("login") ? "Signing in…" : "Sign in"}
          </button>
          ${this.errorFor("login")}
        </form>
      </main>
    `;
  }

  async #submit(event: SubmitEvent): Promise<void> {
    const fields = submittedFields(event);
    await this.act("login", async () => {
      const session = await loginWithPassword(this.homeserverUrl, fields.get("user"), fields.raw("password"));
      const me = await new ApiClient({ serverUrl: location.origin, accessToken: session.accessToken }).me();
      const detail: SignedInDetail = { session, me };
      this.dispatchEvent(new CustomEvent("signed-in", { detail, bubbles: true, composed: true }));
    });
  }
}

customElements.define("login-form", LoginForm);

import { css, html, LitElement } from "lit";
import { sharedStyles } from "./styles.ts";

/** A runtime token, shown once: copy it now, then dismiss it (the server keeps only a hash). */
export class TokenPanel extends LitElement {
  static override properties = {
    agentName: { type: String },
    token: { type: String },
    copyState: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      .panel {
        background: var(--success-soft);
        border: 1px solid #9fd8b0;
        border-radius: var(--radius);
        padding: 1rem 1.25rem;
        margin-bottom: 1rem;
      }
      output {
        display: block;
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 6px;
        padding: 0.5rem 0.75rem;
        margin: 0.5rem 0 0.75rem;
      }
    `,
  ];

  declare agentName: string;
  declare token: string;
  declare private copyState: "idle" | "copied" | "failed";

  constructor() {
    super();
    this.copyState = "idle";
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has("token")) this.copyState = "idle";
  }

  /** Keyboard users land on the panel's first button. */
  override firstUpdated(): void {
    this.renderRoot.querySelector("button")?.focus();
  }

  override render() {
    return html`<section class="panel" role="region" aria-label="Runtime token for ${this.agentName}">
      <h2>Runtime token for ${this.agentName}</h2>
      <p>Copy it now and give it to the agent's runtime. It is shown only this once.</p>
      <output class="mono" aria-label="Runtime token">${this.token}</output>
      <div class="actions">
        <button type="button" @click=${() => void this.#copy()}>
          ${this.copyState === "copied" ? "Copied" : "Copy token"}
        </button>
        <button
          class="secondary"
          type="button"
          @click=${() => this.dispatchEvent(new CustomEvent("dismiss", { bubbles: true, composed: true }))}
        >
          Dismiss
        </button>
      </div>
      ${
        this.copyState === "failed"
          ? html`<p class="error" role="alert">
              The browser would not copy it: select the token and copy it yourself.
            </p>`
          : ""
      }
    </section>`;
  }

  async #copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.token);
      this.copyState = "copied";
    } catch {
      this.copyState = "failed";
    }
  }
}

customElements.define("token-panel", TokenPanel);

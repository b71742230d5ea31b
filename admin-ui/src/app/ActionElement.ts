import { html, LitElement, nothing, type CSSResultGroup, type PropertyDeclarations, type TemplateResult } from "lit";
import { messageOf } from "./errors.ts";
import { sharedStyles } from "./styles.ts";

/**
 * A component whose buttons and forms call the API: it tracks which action is running
 * and shows each action's error next to the control that started it.
 */
export class ActionElement extends LitElement {
  static override styles: CSSResultGroup = [sharedStyles];
  static override properties: PropertyDeclarations = {
    busyAction: { state: true },
    actionErrors: { state: true },
  };

  declare protected busyAction: string | null;
  declare protected actionErrors: Record<string, string>;

  constructor() {
    super();
    this.busyAction = null;
    this.actionErrors = {};
  }

  /** Runs `action` under `key`; resolves true when it succeeded, false when its error is now shown. */
  protected async act(key: string, action: () => Promise<void>): Promise<boolean> {
    this.busyAction = key;
    this.actionErrors = withoutKey(this.actionErrors, key);
    try {
      await action();
      return true;
    } catch (error) {
      this.actionErrors = { ...this.actionErrors, [key]: messageOf(error) };
      return false;
    } finally {
      this.busyAction = null;
    }
  }

  protected isBusy(key: string): boolean {
    return this.busyAction === key;
  }

  protected errorFor(key: string): TemplateResult | typeof nothing {
    const message = this.actionErrors[key];
    return message ? html`<p class="error" role="alert">${message}</p>` : nothing;
  }

  /** Tells the page that owns the data to load it again. */
  protected announceChange(): void {
    this.dispatchEvent(new CustomEvent("data-changed", { bubbles: true, composed: true }));
  }
}

function withoutKey(record: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Locator, Page } from "playwright-core";

export const ARTIFACTS_DIR = fileURLToPath(new URL("../../test-artifacts/cinny/", import.meta.url));

/**
 * Cinny 4.2.2's UI as a person uses it. Cinny has few accessible names, so this leans on
 * the attributes it renders: `data-id` on sidebar spaces, `data-message-id` on timeline
 * items, `data-user-id` on senders, the Slate composer.
 */
export class CinnyPage {
  constructor(
    readonly page: Page,
    readonly url: string,
  ) {}

  async signIn(username: string, password: string): Promise<void> {
    await this.page.goto(`${this.url}/login/`);
    await this.page.locator("input[name=usernameInput]").fill(username);
    await this.page.locator("input[name=passwordInput]").fill(password);
    await this.page.getByRole("button", { name: "Login" }).click();
    await this.page.waitForURL(/\/home\/$/);
  }

  /** A space's icon in the left-hand sidebar (only joined spaces are there). */
  sidebarSpace(spaceRoomId: string): Locator {
    return this.page.locator(`button[data-id="${spaceRoomId}"]`);
  }

  /**
   * Opens a room by its route, as a link or the address bar would: client-side, so the
   * session keeps syncing instead of starting over. `/SPACE/ROOM/` or `/direct/ROOM/`.
   */
  async openRoute(route: string): Promise<void> {
    await this.page.evaluate((to) => {
      window.history.pushState({}, "", to);
      window.dispatchEvent(new PopStateEvent("popstate"));
    }, route);
  }

  /** The open room's header (its name and topic). */
  roomHeader(): Locator {
    return this.page
      .locator("header")
      .filter({ has: this.page.locator("p") })
      .nth(1);
  }

  composer(): Locator {
    return this.page.locator("[data-slate-editor=true]");
  }

  /**
   * Opens a message of one's own in its editor, through the message's menu, with the cursor
   * at its end; resolves with the editor. The message is found by what it shows: Cinny keeps
   * a message just sent under its local echo's temporary id.
   */
  async editMessage(item: Locator): Promise<Locator> {
    await item.click({ button: "right" });
    await this.page.getByText("Edit Message", { exact: true }).click();
    const editor = item.locator("[data-slate-editor=true]");
    await editor.click();
    await this.page.keyboard.press("End");
    return editor;
  }

  /**
   * Types `@` and the start of a name, then picks the user from the autocomplete: a pill.
   * In the composer, or in another editor (a message being edited).
   */
  async mention(typed: string, userId: string, inEditor?: Locator): Promise<void> {
    const editor = inEditor ?? this.composer();
    if (!inEditor) await editor.click();
    await editor.pressSequentially(`@${typed}`);
    // The autocomplete menu is the innermost block under its "Mentions" header.
    const menu = this.page.locator("div").filter({ has: this.page.locator("header", { hasText: "Mentions" }) });
    await menu.last().locator("button").filter({ hasText: userId }).click();
  }

  /** Types text into the composer and sends it with Enter. */
  async typeAndSend(text: string): Promise<void> {
    await this.composer().click();
    await this.composer().pressSequentially(text);
    await this.page.keyboard.press("Enter");
  }

  /** Every timeline item: a message with its event id. */
  messages(): Locator {
    return this.page.locator("[data-message-id]");
  }

  message(eventId: string): Locator {
    return this.page.locator(`[data-message-id="${eventId}"]`);
  }

  /**
   * Waits until the timeline shows the message, with the text in its own body (not in the
   * quote of the message it replies to), and scrolls to it. Cinny renders only what is near
   * the scroll position and stops following new messages once scrolled up: a "Jump to
   * Latest" button appears, which a person would click.
   */
  async waitForMessage(eventId: string, text = "", timeoutMs = 30_000): Promise<Locator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.page.waitForFunction(
          ([id, wanted]) => {
            const item = document.querySelector(`[data-message-id="${id}"]`);
            if (!item) return false;
            const body = item.cloneNode(true) as Element;
            for (const quote of body.querySelectorAll("button[data-event-id]")) quote.remove();
            return (body.textContent ?? "").includes(wanted!);
          },
          [eventId, text],
          { timeout: 1_000 },
        );
        const item = this.message(eventId);
        await item.scrollIntoViewIfNeeded();
        return item;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        const jump = this.page.getByText("Jump to Latest", { exact: true });
        if (await jump.isVisible()) await jump.click();
      }
    }
  }

  /** The reaction chips under a message, by their emoji. */
  reaction(eventId: string, key: string): Locator {
    return this.message(eventId).locator("button").filter({ hasText: key });
  }

  /** Opens a message's menu (Add Reaction, Reply, …) as a right-click does. */
  async messageMenu(eventId: string): Promise<void> {
    await this.message(eventId).click({ button: "right" });
  }

  /** Starts a reply to the message; the composer then sends it as one (in its thread, if any). */
  async replyTo(eventId: string): Promise<void> {
    await this.messageMenu(eventId);
    await this.page.getByText("Reply", { exact: true }).click();
  }

  /** Reacts through the message's menu: Add Reaction, search the emoji board by name, pick the emoji. */
  async react(eventId: string, key: string, name: string): Promise<void> {
    await this.messageMenu(eventId);
    await this.page.getByText("Add Reaction", { exact: true }).click();
    await this.page.locator("input[data-emoji-board-search]").fill(name);
    await this.page.locator(`button[data-emoji-data="${key}"]`).first().click();
  }

  async screenshot(name: string): Promise<void> {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await this.page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) });
  }
}

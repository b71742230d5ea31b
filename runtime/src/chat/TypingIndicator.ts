import type { Logger } from "pino";
import type { ChatRequests } from "./ChatRequests.ts";

/** The homeserver forgets typing after 30 s; saying it again every 20 s keeps it shown. */
const REFRESH_MS = 20_000;

/** Shows the agent as typing in a room while a turn runs. */
export class TypingIndicator {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly chat: ChatRequests,
    private readonly roomId: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#set(true);
    this.#timer = setInterval(() => this.#set(true), REFRESH_MS);
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.#set(false);
  }

  #set(typing: boolean): void {
    this.chat
      .request("typing.set", { roomId: this.roomId, typing })
      .catch((error: unknown) => this.log.debug({ err: error }, "could not set typing"));
  }
}

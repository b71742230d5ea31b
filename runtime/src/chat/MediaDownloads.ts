import { RUNTIME_MEDIA_DOWNLOAD_PATH } from "@aachat/protocol";

const DOWNLOAD_TIMEOUT_MS = 120_000;

/** A file the appservice would not give: `tooLarge` when it is over the cap asked for. */
export class MediaDownloadError extends Error {
  override readonly name = "MediaDownloadError";
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

export interface DownloadedFile {
  bytes: Buffer;
  /** The content type the homeserver gave it. */
  mimetype: string;
}

/** Downloads the images and files people send the agent, through its appservice, with its runtime token. */
export interface MediaSource {
  download(roomId: string, eventId: string, maxBytes: number): Promise<DownloadedFile>;
}

/** The appservice's media download endpoint (RUNTIME_MEDIA_DOWNLOAD_PATH) over plain HTTP. */
export class MediaDownloads implements MediaSource {
  readonly #base: string;

  constructor(
    serverUrl: string,
    private readonly token: string,
  ) {
    // runtime.json may name the appservice as ws(s)://; its HTTP endpoints are on the same server.
    this.#base = serverUrl.replace(/\/+$/, "").replace(/^ws/, "http");
  }

  async download(roomId: string, eventId: string, maxBytes: number): Promise<DownloadedFile> {
    const url = new URL(this.#base + RUNTIME_MEDIA_DOWNLOAD_PATH);
    url.searchParams.set("roomId", roomId);
    url.searchParams.set("eventId", eventId);
    url.searchParams.set("maxBytes", String(maxBytes));
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    });
    if (!response.ok) {
      const text = await response.text();
      let message = `${response.status}`;
      try {
        const body = JSON.parse(text) as { error?: unknown };
        if (typeof body.error === "string") message = body.error;
      } catch {
        // Not a JSON error: the status says enough.
      }
      throw new MediaDownloadError(message, response.status === 413);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    // The appservice enforces the cap; checked again so that nothing larger ever reaches a prompt.
    if (bytes.length > maxBytes) throw new MediaDownloadError(`the file is larger than ${maxBytes} bytes`, true);
    return { bytes, mimetype: response.headers.get("content-type") ?? "application/octet-stream" };
  }
}

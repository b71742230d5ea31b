import { MAX_UPLOAD_BYTES, RUNTIME_MEDIA_UPLOAD_PATH, mxcUrl } from "@aachat/protocol";
import type { ChatRequests } from "./ChatRequests.ts";

const UPLOAD_TIMEOUT_MS = 120_000;

/** The appservice would not take a file; `tooLarge` when it was over MAX_UPLOAD_BYTES. */
export class MediaUploadError extends Error {
  override readonly name = "MediaUploadError";
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

/** A file to post, and where: in a room, a thread, as a reply. */
export interface OutgoingFile {
  roomId: string;
  threadRootId?: string | null;
  replyTo?: string | null;
  name: string;
  mimetype: string;
  bytes: Buffer;
  /** Names the post: a key is posted once (a turn run again after a crash posts nothing twice). */
  key: string;
}

/** Posts files in chat as the agent: uploads the bytes, then posts the m.file / m.image. */
export interface FilePoster {
  post(file: OutgoingFile): Promise<{ eventId: string }>;
}

/**
 * Files from the agent into chat: the bytes go to the appservice's media upload endpoint
 * (RUNTIME_MEDIA_UPLOAD_PATH) over plain HTTP with the runtime token, which puts them in
 * the homeserver's media repository as the agent; `file.send` then posts the event.
 */
export class MediaUploads implements FilePoster {
  readonly #base: string;

  constructor(
    serverUrl: string,
    private readonly token: string,
    private readonly chat: ChatRequests,
  ) {
    // runtime.json may name the appservice as ws(s)://; its HTTP endpoints are on the same server.
    this.#base = serverUrl.replace(/\/+$/, "").replace(/^ws/, "http");
  }

  async post(file: OutgoingFile): Promise<{ eventId: string }> {
    const mxc = await this.upload(file.bytes, file.name, file.mimetype);
    return this.chat.request("file.send", {
      roomId: file.roomId,
      mxcUrl: mxc,
      name: file.name,
      mimetype: file.mimetype,
      size: file.bytes.length,
      threadRootId: file.threadRootId ?? null,
      replyTo: file.replyTo ?? null,
      key: file.key,
    });
  }

  /** Puts the bytes in the media repository; resolves with their mxc:// URL. */
  async upload(bytes: Buffer, name: string, mimetype: string): Promise<string> {
    if (bytes.length > MAX_UPLOAD_BYTES) {
      throw new MediaUploadError(
        `the file has ${bytes.length} bytes; the most an agent may post is ${MAX_UPLOAD_BYTES}`,
        true,
      );
    }
    const url = new URL(this.#base + RUNTIME_MEDIA_UPLOAD_PATH);
    url.searchParams.set("name", name);
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${this.token}`, "content-type": mimetype },
      body: new Uint8Array(bytes),
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: { mxcUrl?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not JSON: the status says enough.
    }
    if (!response.ok) {
      const why = typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
      throw new MediaUploadError(`the upload was refused: ${why}`, response.status === 413);
    }
    const parsed = mxcUrl.safeParse(body.mxcUrl);
    if (!parsed.success) throw new MediaUploadError("the appservice answered the upload without an mxc:// URL", false);
    return parsed.data;
  }
}

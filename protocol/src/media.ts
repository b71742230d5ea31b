import { z } from "zod";
import { eventId, roomId } from "./common.ts";

/**
 * Files between a runtime and chat. The bytes travel over plain HTTP on the appservice's
 * server (not over the runtime socket, whose frames are small), with the runtime's own
 * bearer token; the appservice uploads to and downloads from the homeserver's media
 * repository as the agent.
 */

/** `POST` the file's bytes; query `name`; `Content-Type` is its MIME type. Answers `{ mxcUrl }`. */
export const RUNTIME_MEDIA_UPLOAD_PATH = "/runtime/v1/media/upload";
/**
 * `GET` with query `roomId` and `eventId` (an m.image / m.file the agent may read), and
 * optionally `maxBytes` (the most the runtime takes, at most MAX_PROMPT_FILE_BYTES, the
 * default). Answers the bytes with their content type, or 413 (nothing sent) when larger.
 */
export const RUNTIME_MEDIA_DOWNLOAD_PATH = "/runtime/v1/media/download";

/** The largest file an agent may post (`send_file`). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** The largest image passed to an agent as an image block (the Messages API's limit per image). */
export const MAX_PROMPT_IMAGE_BYTES = 5 * 1024 * 1024;
/** The largest file passed to an agent (saved in its workspace). */
export const MAX_PROMPT_FILE_BYTES = 10 * 1024 * 1024;

export const mxcUrl = z.string().regex(/^mxc:\/\/[A-Za-z0-9.:-]{1,255}\/[A-Za-z0-9_-]{1,255}$/, "is not an mxc:// URL");

/** An image or file a person sent the agent with a message (an `m.image` / `m.file` event). */
export const attachment = z.strictObject({
  kind: z.enum(["image", "file"]),
  roomId,
  eventId,
  /** The file's name as sent (the event's `body` or `filename`). */
  name: z.string().min(1).max(255),
  mimetype: z.string().max(255),
  /** Bytes, as the sender's client declared them (`info.size`); null when not declared. */
  size: z.number().int().min(0).nullable(),
});
export type Attachment = z.infer<typeof attachment>;

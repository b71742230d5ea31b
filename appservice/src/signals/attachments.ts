import { attachment as attachmentSchema, mxcUrl, type Attachment } from "@aachat/protocol";

/** An image or file message as the mention router reads it: what to download, and its caption. */
export interface FileMessage {
  attachment: Attachment;
  /** The text sent with the file (a Matrix media caption), or "" when it came alone. */
  caption: string;
}

const FILE_MSGTYPES: Record<string, Attachment["kind"]> = { "m.image": "image", "m.file": "file" };

/**
 * Reads an `m.image` / `m.file` message. Matrix media captions: when `filename` is set and
 * differs from `body`, `body` is the caption; otherwise `body` is the file's name. Only
 * unencrypted media (a plain `url`) can be fetched by the appservice; null for anything else.
 */
export function readFileMessage(content: Record<string, unknown>, roomId: string, eventId: string): FileMessage | null {
  const kind = typeof content.msgtype === "string" ? FILE_MSGTYPES[content.msgtype] : undefined;
  if (!kind || !mxcUrl.safeParse(content.url).success) return null;
  const body = typeof content.body === "string" ? content.body : "";
  const filename = typeof content.filename === "string" && content.filename.trim() ? content.filename : null;
  const hasCaption = filename !== null && filename !== body;
  const name = (filename ?? body).trim() || (kind === "image" ? "image" : "file");
  const info =
    typeof content.info === "object" && content.info !== null ? (content.info as Record<string, unknown>) : {};
  const size = info.size;
  const parsed = attachmentSchema.safeParse({
    kind,
    roomId,
    eventId,
    name: name.slice(0, 255),
    mimetype: typeof info.mimetype === "string" ? info.mimetype.slice(0, 255) : "",
    size: typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? size : null,
  });
  if (!parsed.success) return null;
  return { attachment: parsed.data, caption: hasCaption ? body : "" };
}

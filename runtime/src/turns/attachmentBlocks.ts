import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ContentBlock, PromptCapabilities } from "@agentclientprotocol/sdk";
import { MAX_PROMPT_FILE_BYTES, MAX_PROMPT_IMAGE_BYTES, type Attachment } from "@aachat/protocol";
import type { Logger } from "pino";
import { MediaDownloadError, type MediaSource } from "../chat/MediaDownloads.ts";
import { saveToInbox } from "./workspaceInbox.ts";

/** The image types the Messages API takes as image blocks. */
const PROMPT_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
/** A text file up to this size is also embedded in the prompt, where the agent takes embedded resources. */
export const MAX_EMBEDDED_TEXT_BYTES = 64 * 1024;
const TEXT_TYPES = new Set([
  "application/json",
  "application/xml",
  "application/yaml",
  "application/x-yaml",
  "application/javascript",
  "application/typescript",
  "application/x-sh",
  "application/toml",
  "application/sql",
]);

export interface AttachmentContext {
  media: MediaSource;
  /** The session's workspace, where files are saved; null when it has none (then only images pass). */
  workspace: string | null;
  /** What the agent said it takes in prompts (ACP `initialize`). */
  capabilities: PromptCapabilities | undefined;
  log: Logger;
}

export interface PreparedAttachments {
  blocks: ContentBlock[];
  /** One line per attachment that could not be passed on: what and why. */
  refused: string[];
}

/**
 * The prompt blocks for the images and files sent with a message: each is downloaded once
 * (refused whole when over MAX_PROMPT_FILE_BYTES). An image the agent can see, up to
 * MAX_PROMPT_IMAGE_BYTES, becomes an image block; anything else is saved in the workspace's
 * inbox and linked (and embedded too when it is small text and the agent takes that).
 */
export async function prepareAttachments(
  attachments: readonly Attachment[],
  context: AttachmentContext,
): Promise<PreparedAttachments> {
  const prepared: PreparedAttachments = { blocks: [], refused: [] };
  for (const attachment of attachments) {
    const label = `${attachment.name}${attachment.size === null ? "" : ` (${megabytes(attachment.size)})`}`;
    if (attachment.size !== null && attachment.size > MAX_PROMPT_FILE_BYTES) {
      prepared.refused.push(
        `${label}: too large; files sent to an agent can be at most ${megabytes(MAX_PROMPT_FILE_BYTES)}`,
      );
      continue;
    }
    try {
      prepared.blocks.push(...(await blocksFor(attachment, context)));
    } catch (error) {
      context.log.warn({ err: error, eventId: attachment.eventId }, "could not pass an attachment to the agent");
      prepared.refused.push(`${attachment.name}: ${refusalReason(error)}`);
    }
  }
  return prepared;
}

async function blocksFor(attachment: Attachment, context: AttachmentContext): Promise<ContentBlock[]> {
  const file = await context.media.download(attachment.roomId, attachment.eventId, MAX_PROMPT_FILE_BYTES);
  const served = file.mimetype.split(";")[0]!.trim().toLowerCase();
  const mimeType = served && served !== "application/octet-stream" ? served : attachment.mimetype || served;
  if (
    context.capabilities?.image === true &&
    PROMPT_IMAGE_TYPES.has(mimeType) &&
    file.bytes.length <= MAX_PROMPT_IMAGE_BYTES
  ) {
    return [{ type: "image", data: file.bytes.toString("base64"), mimeType }];
  }
  if (!context.workspace) throw new Error("the session has no workspace to save it in");
  const saved = await saveToInbox(context.workspace, attachment.name, file.bytes);
  const uri = pathToFileURL(saved).href;
  const blocks: ContentBlock[] = [
    { type: "resource_link", uri, name: path.basename(saved), mimeType, size: file.bytes.length },
  ];
  const text = context.capabilities?.embeddedContext === true ? smallText(mimeType, file.bytes) : null;
  if (text !== null) blocks.push({ type: "resource", resource: { uri, mimeType, text } });
  return blocks;
}

/** The file's text when it is small text (by its type, or valid UTF-8 without NULs); else null. */
function smallText(mimeType: string, bytes: Buffer): string | null {
  if (bytes.length > MAX_EMBEDDED_TEXT_BYTES) return null;
  const declaredText = mimeType.startsWith("text/") || TEXT_TYPES.has(mimeType) || /\+(json|xml)$/.test(mimeType);
  if (!declaredText && mimeType !== "" && mimeType !== "application/octet-stream") return null;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.includes("\u0000") ? null : text;
  } catch {
    return null;
  }
}

function refusalReason(error: unknown): string {
  if (error instanceof MediaDownloadError && error.tooLarge)
    return `too large; files sent to an agent can be at most ${megabytes(MAX_PROMPT_FILE_BYTES)}`;
  if (error instanceof MediaDownloadError) return `could not be downloaded (${error.message})`;
  return `could not be passed on (${error instanceof Error ? error.message : String(error)})`;
}

export function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

import { eventId, MAX_PROMPT_FILE_BYTES, mxcUrl, roomId } from "@aachat/protocol";
import { Router, type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { DomainError } from "../errors/DomainError.ts";
import { sendMatrixError } from "../http/matrixErrors.ts";
import type { UserId } from "../matrix/ids.ts";
import { MatrixApiError } from "../matrix/MatrixApi.ts";
import { agentRoom } from "../model/agentMessages.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { Refusal, runtimeAgent, runtimeQuery } from "./runtimeHttp.ts";

const downloadQuery = z.strictObject({
  roomId,
  eventId,
  /** The most bytes the runtime takes; larger files are refused whole. */
  maxBytes: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, "is not a positive whole number")
    .transform(Number)
    .pipe(z.number().max(MAX_PROMPT_FILE_BYTES, `is over ${MAX_PROMPT_FILE_BYTES}, the largest file for a prompt`))
    .optional(),
});

const DOWNLOAD_TIMEOUT_MS = 60_000;

export interface MediaDownloadOptions {
  model: ModelContext;
  /** The appservice's token: it downloads as the agent (`user_id`) through the authenticated media API. */
  asToken: string;
  log: Logger;
}

/**
 * `GET RUNTIME_MEDIA_DOWNLOAD_PATH?roomId&eventId[&maxBytes]`: the bytes of an image or file
 * sent in a room the runtime's agent may read, fetched from the homeserver as that agent.
 * The whole file is read before anything is answered, so a file over the cap (whatever its
 * event or Content-Length claimed) gets a 413 and never a truncated body.
 */
export function mediaDownloadRoute(options: MediaDownloadOptions): Router {
  const router = Router();
  router.get("/", (req, res) => {
    void download(options, req, res).catch((error: unknown) => {
      if (error instanceof Refusal) return sendMatrixError(res, error.status, error.errcode, error.message);
      options.log.error({ err: error }, "media download failed");
      if (!res.headersSent) sendMatrixError(res, 502, "M_UNKNOWN", "could not download the file; try again");
      else res.destroy();
    });
  });
  return router;
}

async function download(options: MediaDownloadOptions, req: Request, res: Response): Promise<void> {
  const { model, log } = options;
  const agent = await runtimeAgent(model, req);
  const query = runtimeQuery(downloadQuery, req);
  const maxBytes = query.maxBytes ?? MAX_PROMPT_FILE_BYTES;
  try {
    await agentRoom(model, agent, query.roomId, "read");
  } catch (error) {
    if (error instanceof DomainError) throw new Refusal(403, "M_FORBIDDEN", error.message);
    throw error;
  }
  const content = await readFileEvent(model, agent.userId, query.roomId, query.eventId);
  const [server, mediaId] = content.url.slice("mxc://".length).split("/") as [string, string];
  const url = new URL(
    `${model.matrix.homeserverUrl}/_matrix/client/v1/media/download/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`,
  );
  url.searchParams.set("user_id", agent.userId);
  const upstream = await fetch(url, {
    headers: { authorization: `Bearer ${options.asToken}` },
    signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
  });
  if (!upstream.ok) {
    await upstream.body?.cancel();
    if (upstream.status === 404) throw new Refusal(404, "M_NOT_FOUND", "the homeserver no longer has this file");
    throw new Refusal(502, "M_UNKNOWN", `the homeserver answered ${upstream.status} for this file`);
  }
  const tooLarge = () =>
    new Refusal(413, "M_TOO_LARGE", `the file is larger than ${maxBytes} bytes, the most the agent takes`);
  const declared = Number(upstream.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await upstream.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = upstream.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    received += next.value.byteLength;
    if (received > maxBytes) {
      await reader?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  const type = upstream.headers.get("content-type") || content.mimetype || "application/octet-stream";
  log.debug({ agent: agent.name, eventId: query.eventId, bytes: received }, "media downloaded for a runtime");
  res.status(200);
  res.setHeader("content-type", type);
  res.setHeader("content-length", String(received));
  res.setHeader("x-content-type-options", "nosniff");
  res.end(Buffer.concat(chunks));
}

/** The message's media, read as the agent: an unencrypted m.image / m.file with an mxc:// URL. */
async function readFileEvent(
  model: ModelContext,
  agentUserId: string,
  room: string,
  event: string,
): Promise<{ url: string; mimetype: string }> {
  let found: { type?: unknown; content?: Record<string, unknown> };
  try {
    found = await model.matrix.request(
      "GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/event/${encodeURIComponent(event)}`,
      { asUser: agentUserId as UserId },
    );
  } catch (error) {
    if (error instanceof MatrixApiError && (error.status === 404 || error.status === 403))
      throw new Refusal(404, "M_NOT_FOUND", "no such message in that room, or the agent cannot see it");
    throw error;
  }
  const content = found.content ?? {};
  if (found.type !== "m.room.message" || (content.msgtype !== "m.image" && content.msgtype !== "m.file"))
    throw new Refusal(400, "M_INVALID_PARAM", "that message is not an image or a file");
  if (content.file !== undefined)
    throw new Refusal(400, "M_INVALID_PARAM", "the file is encrypted; only unencrypted files can be downloaded");
  const url = mxcUrl.safeParse(content.url);
  if (!url.success) throw new Refusal(400, "M_INVALID_PARAM", "the message has no mxc:// URL to download");
  const info =
    typeof content.info === "object" && content.info !== null ? (content.info as Record<string, unknown>) : {};
  return { url: url.data, mimetype: typeof info.mimetype === "string" ? info.mimetype : "" };
}

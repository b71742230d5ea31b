import { MAX_UPLOAD_BYTES, mxcUrl } from "@aachat/protocol";
import { Router, type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { sendMatrixError } from "../http/matrixErrors.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { Refusal, runtimeAgent, runtimeQuery } from "./runtimeHttp.ts";

const uploadQuery = z.strictObject({ name: z.string().min(1).max(255) });
const MIME_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const UPLOAD_TIMEOUT_MS = 120_000;

export interface MediaUploadOptions {
  model: ModelContext;
  /** The appservice's token: it uploads as the agent (`user_id`). */
  asToken: string;
  log: Logger;
}

/**
 * `POST RUNTIME_MEDIA_UPLOAD_PATH?name=NAME` with the file's bytes and its MIME type as
 * `Content-Type`: puts them in the homeserver's media repository as the runtime token's
 * agent and answers `{ mxcUrl }`. Nothing is read before the token is checked, and a body
 * over MAX_UPLOAD_BYTES (declared or as it arrives) gets a 413 and is never uploaded.
 */
export function mediaUploadRoute(options: MediaUploadOptions): Router {
  const router = Router();
  router.post("/", (req, res) => {
    void upload(options, req, res).catch((error: unknown) => {
      if (error instanceof Refusal) {
        // The rest of a refused body is not read: the connection ends once the answer is out.
        if (!req.complete) res.setHeader("connection", "close");
        sendMatrixError(res, error.status, error.errcode, error.message);
        if (!req.complete) res.once("finish", () => req.destroy());
        return;
      }
      options.log.error({ err: error }, "media upload failed");
      if (!res.headersSent) sendMatrixError(res, 502, "M_UNKNOWN", "could not upload the file; try again");
      else res.destroy();
    });
  });
  return router;
}

async function upload(options: MediaUploadOptions, req: Request, res: Response): Promise<void> {
  const { model, log } = options;
  const agent = await runtimeAgent(model, req);
  const query = runtimeQuery(uploadQuery, req);
  const mimetype = (req.headers["content-type"] ?? "application/octet-stream").split(";")[0]!.trim();
  if (!MIME_TYPE.test(mimetype) || mimetype.length > 255)
    throw new Refusal(400, "M_INVALID_PARAM", `Content-Type '${mimetype.slice(0, 80)}' is not a MIME type`);
  const tooLarge = (bytes: string) =>
    new Refusal(413, "M_TOO_LARGE", `the file has ${bytes} bytes; an agent may post at most ${MAX_UPLOAD_BYTES} bytes`);
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > MAX_UPLOAD_BYTES) throw tooLarge(String(declared));
  const bytes = await readCapped(req, () => tooLarge(`more than ${MAX_UPLOAD_BYTES}`));

  const url = new URL(`${model.matrix.homeserverUrl}/_matrix/media/v3/upload`);
  url.searchParams.set("filename", query.name);
  url.searchParams.set("user_id", agent.userId);
  const upstream = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${options.asToken}`, "content-type": mimetype },
    body: new Uint8Array(bytes),
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  });
  const answer = (await upstream.json().catch(() => ({}))) as { content_uri?: unknown; error?: unknown };
  if (upstream.status === 413) throw new Refusal(413, "M_TOO_LARGE", "the homeserver refused the file as too large");
  if (!upstream.ok) {
    const why = typeof answer.error === "string" ? `: ${answer.error}` : "";
    throw new Refusal(502, "M_UNKNOWN", `the homeserver answered ${upstream.status} to the upload${why}`);
  }
  const uri = mxcUrl.safeParse(answer.content_uri);
  if (!uri.success) throw new Refusal(502, "M_UNKNOWN", "the homeserver answered the upload without an mxc:// URL");
  log.debug({ agent: agent.name, bytes: bytes.length, mimetype }, "media uploaded for a runtime");
  res.status(200).json({ mxcUrl: uri.data });
}

/**
 * The request's body, refused with `tooLarge` as soon as it passes MAX_UPLOAD_BYTES. The
 * request is paused, not destroyed, so the refusal still reaches the runtime.
 */
function readCapped(req: Request, tooLarge: () => Refusal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_UPLOAD_BYTES) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      reject(tooLarge());
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

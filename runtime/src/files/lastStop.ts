import { readFile, rm, writeFile } from "node:fs/promises";
import { isoTime } from "@aachat/protocol";
import { z } from "zod";
import type { RuntimePaths } from "./paths.ts";

/**
 * last-stop.json: why the runtime stopped on its own, kept after it has exited so that
 * `aachat agent status` can say so (the control socket is gone by then). Removed at the
 * next start.
 */
export const lastStopSchema = z.strictObject({
  /** "displaced": another runtime connected with the agent's token and replaced this one; "auth": the token was refused. */
  reason: z.enum(["displaced", "auth"]),
  at: isoTime,
  message: z.string(),
});
export type LastStop = z.infer<typeof lastStopSchema>;

export async function writeLastStop(paths: RuntimePaths, stop: LastStop): Promise<void> {
  await writeFile(paths.lastStop, `${JSON.stringify(stop, null, 2)}\n`, { mode: 0o600 });
}

export async function clearLastStop(paths: RuntimePaths): Promise<void> {
  await rm(paths.lastStop, { force: true });
}

/** The record, or null when there is none or it cannot be read. */
export async function readLastStop(paths: RuntimePaths): Promise<LastStop | null> {
  const text = await readFile(paths.lastStop, "utf8").catch(() => null);
  if (text === null) return null;
  try {
    return lastStopSchema.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}

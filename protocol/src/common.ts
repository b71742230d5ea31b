import { z } from "zod";

/** The version every frame carries as `v`; a frame of another version is refused. */
export const PROTOCOL_VERSION = 1;
/** Larger frames get a `too_large` error; far larger ones close the connection. */
export const MAX_FRAME_BYTES = 64 * 1024;

export const version = z.literal(PROTOCOL_VERSION);
/** The id a sender gives a frame, so an answer or an error can name it. */
export const frameId = z.string().min(1).max(128);
export const roomId = z.string().regex(/^![^\s]{1,254}$/, "is not a Matrix room id (!…)");
export const eventId = z.string().regex(/^\$[^\s]{1,254}$/, "is not a Matrix event id ($…)");
export const userId = z.string().regex(/^@[^\s:]+:[^\s]+$/, "is not a Matrix user id (@user:server)");
/** Also a git branch and directory name in the agent's repository: keep it safe for both. */
export const sessionId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "is not a session id (letters, digits, '-' and '_')");
export const isoTime = z.iso.datetime();

/** A project as the runtime knows it: enough to route its signals and to name it to humans. */
export const projectRef = z.strictObject({
  id: z.number().int().positive(),
  team: z.string().min(1).max(64),
  name: z.string().min(1).max(64),
  roomId,
});
export type ProjectRef = z.infer<typeof projectRef>;

/** How a project is named to humans: `team/name`. */
export function projectLabel(project: Pick<ProjectRef, "team" | "name">): string {
  return `${project.team}/${project.name}`;
}

/** Why a request or command failed, for the side that asked. */
export const failureCode = z.enum([
  "invalid",
  "forbidden",
  "not_found",
  "too_large",
  "conflict",
  "unavailable",
  "timeout",
  "internal",
]);
export type FailureCode = z.infer<typeof failureCode>;
export const failure = z.strictObject({ code: failureCode, message: z.string().max(4000) });
export type Failure = z.infer<typeof failure>;

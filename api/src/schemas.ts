import { agentUsage, runtimeState, sessionId, sessionState, usageTotals } from "@aachat/protocol";
import { z } from "zod";

/**
 * The schemas of the HTTP API (/api/v1): its resources, request bodies and responses.
 * The route table (routes.ts) puts them together; the server validates with them, the
 * client parses responses with them, and /api/v1/openapi.json is generated from them.
 */

export const TEAM_SLUG = /^[a-z0-9][a-z0-9-]{1,38}$/;
export const ROOM_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const AGENT_NAME = /^[a-z][a-z0-9-]{1,31}$/;
export const MATRIX_USER_ID = /^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-:[\]]+$/;

export const teamSlug = z
  .string()
  .regex(TEAM_SLUG, "must be 2-39 lowercase letters, digits or '-', starting with a letter or digit");
/** A team in a path: an organisation slug, or a personal team `~username`. */
export const teamRef = z
  .string()
  .regex(/^(~[a-z0-9._=\-/+]+|[a-z0-9][a-z0-9-]{1,38})$/, "is not a team (a slug, or ~username)");
export const roomName = z
  .string()
  .regex(ROOM_NAME, "must be 1-63 lowercase letters, digits or '-', starting with a letter or digit");
export const agentName = z
  .string()
  .regex(AGENT_NAME, "must be 2-32 lowercase letters, digits or '-', starting with a letter");
export const matrixUserId = z.string().regex(MATRIX_USER_ID, "is not a Matrix user id like @alice:example.org");
export const role = z.enum(["owner", "admin", "member"]);
export type Role = z.infer<typeof role>;

// ---- resources ----

export const team = z.object({
  slug: z.string(),
  name: z.string(),
  kind: z.enum(["personal", "organisation"]),
  spaceRoomId: z.string(),
  myRole: role.nullable(),
  createdAt: z.string(),
});
export type Team = z.infer<typeof team>;

export const member = z.object({ userId: z.string(), role });
export type Member = z.infer<typeof member>;

export const stream = z.object({
  team: z.string(),
  name: z.string(),
  roomId: z.string(),
  humansOnly: z.boolean(),
  archived: z.boolean(),
  createdAt: z.string(),
});
export type Stream = z.infer<typeof stream>;

export const project = z.object({
  team: z.string(),
  name: z.string(),
  roomId: z.string(),
  archived: z.boolean(),
  agents: z.array(z.string()),
  seededFrom: z.object({ roomId: z.string(), eventId: z.string() }).nullable(),
  createdAt: z.string(),
});
export type Project = z.infer<typeof project>;

export const agent = z.object({
  name: z.string(),
  userId: z.string(),
  owner: z.string(),
  displayName: z.string(),
  repoUrl: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  dmRoomId: z.string(),
  projects: z.array(z.object({ team: z.string(), project: z.string() })),
  tokenIssuedAt: z.string().nullable(),
  /** Whether the agent's runtime is connected to the appservice now, since when, and its version and sessions. */
  runtime: z.object({ online: z.boolean(), connectedAt: z.string().nullable(), state: runtimeState.nullable() }),
  createdAt: z.string(),
});
export type Agent = z.infer<typeof agent>;

/** What an agent has cost (UTC days, weeks from Monday) and its daily cost limit. */
export const agentUsageReport = agentUsage.extend({
  /** Where today's limit comes from: the owner (console or CLI), the agent's environment.yaml, or none. */
  limitSource: z.enum(["owner", "environment"]).nullable(),
  /** The limit the agent's environment.yaml sets, as its runtime last said. */
  configuredLimitUsd: z.number().nullable(),
  /** Each session running now. */
  sessions: z.array(z.object({ sessionId: z.string(), today: usageTotals, week: usageTotals, total: usageTotals })),
});
export type AgentUsageReport = z.infer<typeof agentUsageReport>;

export const signal = z.object({
  id: z.string(),
  agent: z.string(),
  team: z.string().nullable(),
  project: z.string().nullable(),
  roomId: z.string(),
  eventId: z.string(),
  threadRootId: z.string().nullable(),
  sender: z.string(),
  body: z.string(),
  createdAt: z.string(),
  acknowledgedAt: z.string().nullable(),
});
export type Signal = z.infer<typeof signal>;

// ---- requests ----

export const createTeamBody = z.strictObject({ slug: teamSlug, name: z.string().min(1).max(100).optional() });
export const renameTeamBody = z.strictObject({ name: z.string().min(1).max(100) });
/** Deleting a team is confirmed by repeating its slug. */
export const deleteTeamBody = z.strictObject({ confirm: z.string() });
export const setMemberBody = z.strictObject({ role });
export const createStreamBody = z.strictObject({ name: roomName, humansOnly: z.boolean().optional() });
export const updateStreamBody = z.strictObject({ humansOnly: z.boolean() });
export const createProjectBody = z.strictObject({
  name: roomName,
  /** Seed the project from a stream message: the project links back to it and the stream gets a link. */
  seed: z.strictObject({ stream: roomName, eventId: z.string().regex(/^\$/, "is not an event id") }).optional(),
});
export const MXC_URL = /^mxc:\/\/[A-Za-z0-9.\-:[\]]+\/[A-Za-z0-9_-]+$/;
const avatarUrl = z.string().regex(MXC_URL, "must be an mxc:// URL (upload the image to the homeserver first)");
const repoUrl = z.string().min(1).max(2000);
const displayName = z.string().min(1).max(100);

export const createAgentBody = z.strictObject({
  name: agentName,
  displayName: displayName.optional(),
  repoUrl: repoUrl.optional(),
  avatarUrl: avatarUrl.optional(),
});
/** What re-reading the agent's repository can change. */
export const updateAgentBody = z
  .strictObject({
    displayName: displayName.optional(),
    repoUrl: repoUrl.optional(),
    avatarUrl: avatarUrl.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one of displayName, repoUrl, avatarUrl");

/** The owner's daily cost limit in USD; null gives the agent back the one its environment.yaml sets. */
export const setBudgetBody = z.strictObject({
  dailyLimitUsd: z.number().min(0).max(1_000_000).nullable(),
});

/** A project a session covers: `team/project`, or `project` when the agent has one of that name. */
export const projectSelector = z
  .string()
  .regex(/^([a-z0-9~][a-z0-9._=\-/+]{0,63}\/)?[a-z0-9][a-z0-9-]{0,62}$/, "is not a project (PROJECT, or TEAM/PROJECT)");
export const startSessionBody = z.strictObject({ projects: z.array(projectSelector).min(1).max(50) });
export const sessionIdParam = sessionId;
export const logLinesQuery = z.strictObject({
  lines: z.coerce.number().int().min(1).max(1000).optional(),
});

// ---- responses ----

export const meResponse = z.object({ userId: z.string(), personalTeam: team });
export const teamDetail = z.object({
  team,
  members: z.array(member),
  streams: z.array(stream),
  projects: z.array(project),
});
export const createAgentResponse = z.object({
  agent,
  /** Shown once: only a hash is stored. */
  runtimeToken: z.string(),
});
export const rotateTokenResponse = z.object({ runtimeToken: z.string() });
export const statusResponse = z.object({
  userId: z.string(),
  teams: z.array(
    z.object({
      slug: z.string(),
      kind: z.string(),
      myRole: role.nullable(),
      streams: z.number(),
      projects: z.number(),
    }),
  ),
  agents: z.array(z.object({ name: z.string(), projects: z.number(), pendingSignals: z.number() })),
});
export const startSessionResponse = z.object({ session: sessionState, alreadyRunning: z.boolean() });
export const restartSessionResponse = z.object({ session: sessionState });
export const runtimeLogsResponse = z.object({ lines: z.array(z.string()) });

export type MeResponse = z.infer<typeof meResponse>;
export type StatusResponse = z.infer<typeof statusResponse>;
export type TeamDetail = z.infer<typeof teamDetail>;
export type CreateAgentResponse = z.infer<typeof createAgentResponse>;
export type RotateTokenResponse = z.infer<typeof rotateTokenResponse>;
export type StartSessionResponse = z.infer<typeof startSessionResponse>;

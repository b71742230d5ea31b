import type { Command } from "commander";
import type { z } from "zod";
import { agentName, matrixUserId, role, roomName, teamRef, type ApiClient, type Role } from "@aachat/api";
import { apiClientFor, requireCredentials, type Credentials } from "../auth/credentials.ts";
import { UsageError, UserError } from "../errors.ts";
import { ask, isInteractive } from "../prompt.ts";

/** What the commands that talk to the aachat API share: the login, argument checks, `--json`, `--team`. */

export interface JsonOption {
  json?: boolean;
}

export interface TeamOption extends JsonOption {
  team?: string;
}

export interface Session {
  api: ApiClient;
  credentials: Credentials;
  /** `--team` as given, checked, or the user's personal team `~localpart`. */
  team(option: string | undefined): string;
  /** `@u:server` as given, or a bare `u` completed with the logged-in user's server name. */
  userId(value: string, label?: string): string;
}

export async function loggedIn(): Promise<Session> {
  const credentials = await requireCredentials();
  const { localpart, serverName } = splitUserId(credentials.userId);
  return {
    api: apiClientFor(credentials),
    credentials,
    team: (option) => (option === undefined ? `~${localpart}` : checked("--team", option, teamRef)),
    userId: (value, label = "USER") =>
      checked(label, value.startsWith("@") ? value : `@${value}:${serverName}`, matrixUserId),
  };
}

export function addJsonOption(command: Command): Command {
  return command.option("--json", "print the API's JSON instead of text");
}

export function addTeamOption(command: Command): Command {
  return command.option("-t, --team <team>", "the team: a slug, or ~username (default: your personal team)");
}

/**
 * The value if the schema accepts it; otherwise a one-line error naming the argument and
 * the rule, before any request is made. The rules are the API's own schemas.
 */
export function checked<T extends string>(label: string, value: string, schema: z.ZodType<T>): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UsageError(`${label} '${value}' ${result.error.issues[0]?.message ?? "is not valid"}`);
}

export const checkRoomName = (label: string, value: string): string => checked(label, value, roomName);
export const checkAgentName = (label: string, value: string): string => checked(label, value, agentName);

export function checkRole(value: string): Role {
  const result = role.safeParse(value);
  if (!result.success) throw new UsageError(`--role '${value}' must be one of ${role.options.join(", ")}`);
  return result.data;
}

export function checkText(label: string, value: string, max: number): string {
  if (value.trim().length === 0 || value.length > max) {
    throw new UsageError(`${label} must be 1-${max} characters`);
  }
  return value;
}

/**
 * A destructive action goes ahead with --yes, or when the user types the name at a
 * terminal; without a terminal it is refused, so a script never deletes by accident.
 */
export async function confirmByTyping(options: {
  yes: boolean | undefined;
  name: string;
  what: string;
  refusal: string;
}): Promise<void> {
  if (options.yes) return;
  if (!isInteractive()) throw new UserError(options.refusal);
  const answer = await ask(`This deletes ${options.what}. Type '${options.name}' to confirm: `);
  if (answer.trim() !== options.name)
    throw new UserError(`'${answer.trim()}' is not '${options.name}'; nothing deleted`);
}

function splitUserId(userId: string): { localpart: string; serverName: string } {
  const colon = userId.indexOf(":");
  if (!userId.startsWith("@") || colon < 0) {
    throw new UserError(`the stored login has no valid user id ('${userId}'); run \`aachat login\` again`);
  }
  return { localpart: userId.slice(1, colon), serverName: userId.slice(colon + 1) };
}

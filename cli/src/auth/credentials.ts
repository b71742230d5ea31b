import { mkdir, readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import { ApiClient } from "@aachat/api";
import { UserError } from "../errors.ts";

/** The stored login. The access token is a secret: it is never printed or logged. */
const storedCredentials = z.object({
  homeserverUrl: z.string(),
  serverUrl: z.string(),
  userId: z.string(),
  accessToken: z.string().min(1),
  deviceId: z.string().nullable(),
});
export type Credentials = z.infer<typeof storedCredentials>;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AACHAT_CONFIG_DIR) return path.resolve(env.AACHAT_CONFIG_DIR);
  if (env.XDG_CONFIG_HOME) return path.join(env.XDG_CONFIG_HOME, "aachat");
  return path.join(homedir(), ".config", "aachat");
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), "credentials.json");
}

/** The stored login, or undefined when there is none. */
export async function readCredentials(file = credentialsFile()): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isFileMissing(error)) return undefined;
    throw new UserError(`cannot read the stored login ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = storedCredentials.safeParse(json);
  if (!parsed.success) throw new UserError(`the stored login ${file} is damaged; run \`aachat login\` again`);
  return parsed.data;
}

/** Written owner-only and atomically, so a crash never leaves a half-written or readable token behind. */
export async function writeCredentials(credentials: Credentials, file = credentialsFile()): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

export async function deleteCredentials(file = credentialsFile()): Promise<void> {
  await rm(file, { force: true });
}

export async function requireCredentials(): Promise<Credentials> {
  const credentials = await readCredentials();
  if (!credentials) throw new UserError("not logged in; run `aachat login`");
  return credentials;
}

export function apiClientFor(credentials: Credentials): ApiClient {
  return new ApiClient({ serverUrl: credentials.serverUrl, accessToken: credentials.accessToken });
}

/** A client for the aachat server, logged in as the stored user. */
export async function requireLogin(): Promise<ApiClient> {
  return apiClientFor(await requireCredentials());
}

function isFileMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

import { randomBytes } from "node:crypto";
import writeFileAtomic from "write-file-atomic";
import { ConfigError } from "../config/ConfigError.ts";
import { readYamlFile } from "../config/readYamlFile.ts";
import { agentNamespaceRegex } from "../matrix/ids.ts";
import { registrationSchema, type Registration } from "./schema.ts";
import { placeholdersIn, renderRegistration } from "./template.ts";

export const APPSERVICE_ID = "aachat";
export const BOT_LOCALPART = "aachat";

export interface RegistrationOptions {
  /** How the homeserver reaches the appservice. */
  url: string;
  serverName: string;
  id?: string;
  botLocalpart?: string;
}

/** A new registration with fresh random tokens and the agents' exclusive user namespace. */
export function generateRegistration(options: RegistrationOptions): Registration {
  return {
    id: options.id ?? APPSERVICE_ID,
    url: options.url,
    as_token: randomBytes(32).toString("hex"),
    hs_token: randomBytes(32).toString("hex"),
    sender_localpart: options.botLocalpart ?? BOT_LOCALPART,
    rate_limited: false,
    namespaces: {
      users: [{ exclusive: true, regex: agentNamespaceRegex(options.serverName) }],
      aliases: [],
      rooms: [],
    },
  };
}

/** Writes the registration (filled into the documented template) readable by its owner only, atomically. */
export async function writeRegistration(file: string, registration: Registration): Promise<void> {
  await writeFileAtomic(file, await renderRegistration(registration), { mode: 0o600 });
}

export async function loadRegistration(file: string): Promise<Registration> {
  const raw = await readYamlFile(
    file,
    "registration file not found; create one with `aachat registration` and add it to the homeserver's app_service_config_files",
  );
  const placeholders = placeholdersIn(raw);
  if (placeholders.length > 0) {
    throw new ConfigError(
      file,
      placeholders.join(", "),
      "still the template's CHANGE_ME placeholder; write a real registration with " +
        `\`aachat registration --url APPSERVICE_URL --server-name SERVER_NAME -o ${file}\``,
    );
  }
  const result = registrationSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(file, issue?.path.join("."), issue?.message ?? "invalid registration");
  }
  return result.data;
}

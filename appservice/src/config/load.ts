import path from "node:path";
import { readYamlFile } from "./readYamlFile.ts";
import type { z } from "zod";
import { ConfigError } from "./ConfigError.ts";
import { placeholdersIn } from "../registration/template.ts";
import { appserviceConfigSchema, type AppserviceConfig } from "./schema.ts";

/** Reads, parses and validates the configuration file; every problem is a ConfigError. */
export async function loadConfigFile(file: string): Promise<AppserviceConfig> {
  const absolute = path.resolve(file);
  const raw = await readYamlFile(absolute, "file not found; run `aachat up` once to create one, or pass --config PATH");
  return parseConfig(raw ?? {}, absolute);
}

/**
 * Validates an already-parsed configuration. `source` names where it came from and is
 * the base for relative paths (its directory), so tests can build configs in memory.
 */
export function parseConfig(raw: unknown, source: string): AppserviceConfig {
  const placeholders = placeholdersIn(raw);
  if (placeholders.length > 0) {
    throw new ConfigError(source, placeholders.join(", "), "still a CHANGE_ME placeholder; set a real value");
  }
  const result = appserviceConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(source, issue ? keyOf(issue) : undefined, issue ? describe(issue) : "invalid");
  }
  const base = path.dirname(source);
  const config = result.data;
  return {
    ...config,
    appservice: { ...config.appservice, registrationFile: path.resolve(base, config.appservice.registrationFile) },
    database: config.database.url
      ? { kind: "postgresql", url: config.database.url }
      : { kind: "sqlite", sqliteFile: path.resolve(base, config.database.sqliteFile ?? "aachat.db") },
    source,
  };
}

function keyOf(issue: z.core.$ZodIssue): string | undefined {
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const parts = [...issue.path.map(String), ...(keys.length === 1 ? keys : [])];
  return parts.length > 0 ? parts.join(".") : undefined;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.length === 1 ? "unknown key" : `unknown keys ${issue.keys.join(", ")}`;
    case "invalid_type":
      return issue.input === undefined
        ? `missing (expected ${issue.expected})`
        : `expected ${issue.expected}, got ${JSON.stringify(issue.input)}`;
    default:
      return issue.message;
  }
}

import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar, parseDocument, stringify as stringifyYaml } from "yaml";
import { requiredAachatFile } from "@aachat/protocol/installLayout";
import type { Registration } from "./schema.ts";

/** The documented template at the top of the repository or the package (placeholders, never real tokens). */
export const REGISTRATION_TEMPLATE_FILE = requiredAachatFile("registrationTemplate");

/** What every placeholder in the template starts with. */
export const PLACEHOLDER_MARK = "CHANGE_ME";

const FILLED_HEADER =
  " aachat application service registration, filled from the template registration.yaml.\n" +
  " Holds both tokens: keep it private (mode 0600). The homeserver loads the same file.";

/** The keys (dotted paths) whose value still holds a template placeholder. */
export function placeholdersIn(value: unknown, at: string[] = []): string[] {
  if (typeof value === "string") return value.includes(PLACEHOLDER_MARK) ? [at.join(".")] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => placeholdersIn(item, [...at, String(index)]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => placeholdersIn(item, [...at, key]));
  }
  return [];
}

/**
 * The registration as YAML, written over the template so its comments explain each field.
 * Falls back to plain YAML when the template is missing or does not have the same shape
 * (a registration with fields the template does not know keeps them all).
 */
export async function renderRegistration(registration: Registration): Promise<string> {
  const template = await readFile(REGISTRATION_TEMPLATE_FILE, "utf8").catch(() => undefined);
  const filled = template === undefined ? undefined : fillTemplate(template, registration);
  return filled ?? `#${FILLED_HEADER.replaceAll("\n", "\n#")}\n${stringifyYaml(registration)}`;
}

export function fillTemplate(template: string, registration: Registration): string | undefined {
  const doc = parseDocument(template);
  if (doc.errors.length > 0) return undefined;
  for (const [path, value] of leaves(registration)) doc.setIn(path, value);
  if (!isDeepStrictEqual(doc.toJS(), registration)) return undefined;
  // The template's own header (before the first blank line) speaks of a template: a filled one says what it is.
  const firstKey = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  if (isScalar(firstKey) && firstKey.commentBefore) {
    const blank = firstKey.commentBefore.lastIndexOf("\n\n");
    firstKey.commentBefore = blank === -1 ? firstKey.commentBefore : firstKey.commentBefore.slice(blank + 2);
  }
  doc.commentBefore = FILLED_HEADER;
  return doc.toString();
}

/** Every scalar (and empty list) of a value with its path, so the template's nodes and comments stay. */
function leaves(value: unknown, at: (string | number)[] = []): [(string | number)[], unknown][] {
  if (Array.isArray(value) && value.length > 0) {
    return value.flatMap((item, index) => leaves(item, [...at, index]));
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, [...at, key]));
  }
  return [[at, value]];
}

import { stat } from "node:fs/promises";
import path from "node:path";
import { environmentSchema } from "../environment/environmentSchema.ts";
import type { AgentEnvironment } from "../environment/environmentSchema.ts";
import type { AgentIdentity } from "./ValidationResult.ts";
import type { Problem } from "./Problem.ts";
import { isPlainObject } from "../isPlainObject.ts";
import { parseYamlWithLines } from "./parseYamlWithLines.ts";
import { readTextIfPresent } from "./readTextIfPresent.ts";
import { zodIssuesToProblems } from "./zodIssuesToProblems.ts";

export const ENVIRONMENT_FILE = "environment.yaml";

export interface EnvironmentCheck {
  problems: Problem[];
  identity: AgentIdentity;
  environment?: AgentEnvironment;
}

/** Checks `environment.yaml`: presence, YAML syntax, the schema, and that a local avatar exists. */
export async function checkEnvironmentFile(repoDir: string): Promise<EnvironmentCheck> {
  const text = await readTextIfPresent(path.join(repoDir, ENVIRONMENT_FILE));
  if (text === undefined) {
    return {
      problems: [
        problem(
          "missing; it declares the agent's name, description, packages, network and env (see the aachat template)",
        ),
      ],
      identity: {},
    };
  }
  const parsed = parseYamlWithLines(text);
  if (parsed.syntaxErrors.length > 0) {
    return {
      problems: parsed.syntaxErrors.map((error) => ({
        ...problem(`invalid YAML: ${error.message}`),
        line: error.line,
      })),
      identity: {},
    };
  }
  if (!isPlainObject(parsed.value)) {
    return { problems: [problem("must be a YAML mapping with at least name: and description:")], identity: {} };
  }
  const result = environmentSchema.safeParse(parsed.value);
  const problems = result.success
    ? []
    : zodIssuesToProblems(result.error.issues, ENVIRONMENT_FILE, (key) => parsed.lineOf(key));
  const identity = identityOf(parsed.value);
  if (identity.avatar !== undefined && !identity.avatar.startsWith("https://")) {
    if (!(await isFileInside(repoDir, identity.avatar))) {
      problems.push({
        ...problem(`avatar: file '${identity.avatar}' does not exist in the repository; add it or give an https URL`),
        line: parsed.lineOf(["avatar"]),
      });
    }
  }
  return result.success ? { problems, identity, environment: result.data } : { problems, identity };
}

/** The identity fields that are individually valid, so a caller can show them even when others are not. */
function identityOf(raw: Record<string, unknown>): AgentIdentity {
  const identity: AgentIdentity = {};
  for (const key of ["name", "displayName", "description", "avatar"] as const) {
    const result = environmentSchema.shape[key].safeParse(raw[key]);
    if (result.success && result.data !== undefined) identity[key] = result.data;
  }
  return identity;
}

async function isFileInside(repoDir: string, relativePath: string): Promise<boolean> {
  const resolved = path.resolve(repoDir, relativePath);
  if (!resolved.startsWith(path.resolve(repoDir) + path.sep)) return false;
  try {
    return (await stat(resolved)).isFile();
  } catch {
    return false;
  }
}

function problem(message: string): Problem {
  return { file: ENVIRONMENT_FILE, message };
}

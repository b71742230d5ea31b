import { z } from "zod";
import { AGENT_NAME_PATTERN, AGENT_NAME_RULE } from "../agentName.ts";
import { isPlainObject } from "../isPlainObject.ts";
import { isSecretLookingName } from "./secretNames.ts";

const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
const ENV_NAME_RULE = "must be upper-case letters, digits and '_', not starting with a digit";

// Names only, no version pins: the runtime checks presence with `dpkg-query`, `pip show`
// and `npm ls`, which take a bare name.
const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const PIP_PACKAGE = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const NPM_PACKAGE = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const HOST_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^(\\*\\.)?(${HOST_LABEL}\\.)*${HOST_LABEL}$`, "i");

/** A path inside the repository: relative, no `..` segment, no backslashes. */
const REPO_RELATIVE_PATH = /^(?![/\\])(?!.*(^|\/)\.\.(\/|$))[^\\\0]+$/;

const LITERAL_SECRET_MESSAGE =
  "looks like a secret, so write { fromOwnerEnv: OWNER_VARIABLE } instead of its value; secrets are referenced from the owner's environment, never written in the file";

/** A container's own message for a value of the wrong type, leaving its members' messages alone. */
function onlyForWrongType(message: string) {
  return (issue: { code?: string }) => (issue.code === "invalid_type" ? message : undefined);
}

/** "required" when the key is absent, "must be a string" when it holds something else. */
function requiredText(purpose: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `required: ${purpose}` : "must be a string");
}

function packageList(pattern: RegExp, manager: string) {
  return z.array(z.string().regex(pattern, `not a valid ${manager} package name (give the bare name, no version)`), {
    error: onlyForWrongType(`must be a list of ${manager} package names`),
  });
}

const ownerEnvReference = z.strictObject({
  fromOwnerEnv: z.string().regex(ENV_NAME_PATTERN, `the owner's variable name ${ENV_NAME_RULE}`),
});

const envValue = z.union([z.string(), ownerEnvReference], {
  error: "must be a string (quote numbers and booleans) or { fromOwnerEnv: OWNER_VARIABLE }",
});

const envSchema = z
  .record(z.string().regex(ENV_NAME_PATTERN, `variable name ${ENV_NAME_RULE}`), envValue, {
    error: onlyForWrongType("must be a mapping of VARIABLE: value"),
  })
  .superRefine(
    (env, context) => {
      for (const [name, value] of Object.entries(env)) {
        if (typeof value === "string" && isSecretLookingName(name)) {
          context.addIssue({ code: "custom", path: [name], message: LITERAL_SECRET_MESSAGE });
        }
      }
    },
    // Checked even when other variables are wrong, so every problem is reported at once.
    { when: (payload) => isPlainObject(payload.value) },
  );

const outboundSchema = z.union(
  [
    z.literal("none"),
    z.literal("all"),
    z.strictObject({ allow: z.array(z.string().regex(HOSTNAME, "not a valid hostname")) }),
  ],
  { error: 'must be "none", "all" or { allow: [hostnames] }' },
);

/** The format of an agent's `environment.yaml`: the single definition of that file. */
export const environmentSchema = z.strictObject({
  name: z.string({ error: requiredText("the agent's name") }).regex(AGENT_NAME_PATTERN, AGENT_NAME_RULE),
  displayName: z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(100, "must be at most 100 characters")
    .optional(),
  description: z
    .string({ error: requiredText("one sentence saying what the agent does") })
    .trim()
    .min(1, "must not be empty"),
  avatar: z
    .string({ error: "must be a path inside the repository or an https URL" })
    .refine(
      (value) => value.startsWith("https://") || REPO_RELATIVE_PATH.test(value),
      "must be a path inside the repository or an https URL",
    )
    .optional(),
  packages: z
    .strictObject(
      {
        apt: packageList(APT_PACKAGE, "apt").optional(),
        pip: packageList(PIP_PACKAGE, "pip").optional(),
        npm: packageList(NPM_PACKAGE, "npm").optional(),
      },
      { error: onlyForWrongType("must be a mapping with apt:, pip: and npm: lists") },
    )
    .optional(),
  network: z
    .strictObject({ outbound: outboundSchema }, { error: onlyForWrongType("must be a mapping with outbound:") })
    .optional(),
  env: envSchema.optional(),
  budget: z
    .strictObject(
      {
        dailyUsd: z
          .number({ error: "must be a number of US dollars, e.g. 5 or 2.50" })
          .min(0, "must not be negative")
          .max(1_000_000, "must be at most 1000000"),
      },
      { error: onlyForWrongType("must be a mapping with dailyUsd:") },
    )
    .optional(),
});

export type AgentEnvironment = z.infer<typeof environmentSchema>;
export type OwnerEnvReference = z.infer<typeof ownerEnvReference>;
export type PackageManager = "apt" | "pip" | "npm";

import { describe, expect, it } from "vitest";
import { describeMissing, environmentSchema, findMissingPackages, prepareSessionEnvironment } from "../src/index.ts";

describe("prepareSessionEnvironment", () => {
  it("copies literal values, resolves owner references and lists the missing ones", () => {
    const env = environmentSchema.parse({
      name: "helper",
      description: "Helps.",
      env: {
        LOG_LEVEL: "debug",
        GITHUB_TOKEN: { fromOwnerEnv: "HELPER_GITHUB_TOKEN" },
        OPENAI_API_KEY: { fromOwnerEnv: "HELPER_OPENAI_KEY" },
        DEPLOY_SECRET: { fromOwnerEnv: "HELPER_DEPLOY_SECRET" },
      },
    });

    const prepared = prepareSessionEnvironment(env, {
      HELPER_GITHUB_TOKEN: "ghp_from_owner",
      HELPER_DEPLOY_SECRET: "",
      UNRELATED: "not copied",
    });

    expect(prepared).toEqual({
      vars: { LOG_LEVEL: "debug", GITHUB_TOKEN: "ghp_from_owner" },
      missingSecrets: [
        "OPENAI_API_KEY (owner variable HELPER_OPENAI_KEY is not set)",
        "DEPLOY_SECRET (owner variable HELPER_DEPLOY_SECRET is not set)",
      ],
    });
  });

  it("gives an empty environment when environment.yaml declares none", () => {
    const env = environmentSchema.parse({ name: "helper", description: "Helps." });
    expect(prepareSessionEnvironment(env, { HOME: "/root" })).toEqual({ vars: {}, missingSecrets: [] });
  });
});

describe("findMissingPackages", () => {
  it("reports made-up packages of each manager and not the installed ones", async () => {
    const env = environmentSchema.parse({
      name: "helper",
      description: "Helps.",
      packages: {
        apt: ["git", "aachat-made-up-apt-package"],
        pip: ["pip", "aachat-made-up-pip-package"],
        npm: ["npm", "@aachat/made-up-npm-package"],
      },
    });

    expect(await findMissingPackages(env)).toEqual([
      { manager: "apt", name: "aachat-made-up-apt-package" },
      { manager: "pip", name: "aachat-made-up-pip-package" },
      { manager: "npm", name: "@aachat/made-up-npm-package" },
    ]);
  });

  it("runs nothing when no packages are declared", async () => {
    const env = environmentSchema.parse({ name: "helper", description: "Helps.", packages: { apt: [] } });
    expect(await findMissingPackages(env)).toEqual([]);
  });
});

describe("describeMissing", () => {
  it("tells the owner what is missing and how to provide it", () => {
    const message = describeMissing("helper", {
      packages: [
        { manager: "apt", name: "ripgrep" },
        { manager: "apt", name: "jq" },
        { manager: "npm", name: "typescript" },
      ],
      missingSecrets: ["GITHUB_TOKEN (owner variable HELPER_GITHUB_TOKEN is not set)"],
    });

    expect(message).toBe(
      [
        "helper is running without part of what its environment.yaml asks for:",
        "- apt packages not installed: ripgrep, jq. Install them with `sudo apt-get install ripgrep jq`.",
        "- npm packages not installed: typescript. Install them with `npm install --global typescript`.",
        "- variables not set in your environment: GITHUB_TOKEN (owner variable HELPER_GITHUB_TOKEN is not set). Set them where the runtime starts, then `aachat agent restart helper`.",
      ].join("\n"),
    );
  });

  it("says nothing when nothing is missing", () => {
    expect(describeMissing("helper", { packages: [], missingSecrets: [] })).toBeUndefined();
  });
});

import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { AgentRepoError } from "./AgentRepoError.ts";
import { environmentSchema } from "./environment/environmentSchema.ts";
import { fallbackIdentityConfig } from "./git/gitIdentity.ts";
import { runGit } from "./git/runGit.ts";
import { MAIN_BRANCH } from "./git/mainBranch.ts";
import { renderTemplate } from "./template/renderTemplate.ts";
import type { TemplateIdentity } from "./template/renderTemplate.ts";

export interface ScaffoldOptions {
  name: string;
  /** How the agent appears in chat; defaults to the name. */
  displayName?: string;
  description?: string;
}

export interface ScaffoldResult {
  dir: string;
  commit: string;
}

/**
 * Creates a new agent repository in `dir` from the built-in template, with one commit on
 * `main`. Refuses, writing nothing, when the options are invalid or `dir` is not empty.
 */
export async function scaffoldAgentRepo(dir: string, options: ScaffoldOptions): Promise<ScaffoldResult> {
  const target = path.resolve(dir);
  const identity = checkedIdentity(options);
  const existed = await refuseNonEmpty(target);
  try {
    return await writeAndCommit(target, identity);
  } catch (error) {
    // Leave the directory as it was found: absent, or empty.
    if (existed) await emptyDirectory(target);
    else await rm(target, { recursive: true, force: true });
    throw error;
  }
}

async function writeAndCommit(target: string, identity: TemplateIdentity): Promise<ScaffoldResult> {
  await mkdir(target, { recursive: true });
  for (const [file, content] of Object.entries(renderTemplate(identity))) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await writeFile(path.join(target, file), content, "utf8");
  }
  await runGit(target, ["init", "--quiet", `--initial-branch=${MAIN_BRANCH}`]);
  const fallback = await fallbackIdentityConfig(target);
  for (const [key, value] of Object.entries(fallback)) await runGit(target, ["config", key, value]);
  await runGit(target, ["add", "--all"]);
  await runGit(target, [
    "commit",
    "--quiet",
    "--no-verify",
    "-m",
    `Create agent ${identity.name} from the aachat template`,
  ]);
  const commit = (await runGit(target, ["rev-parse", "HEAD"])).stdout.trim();
  return { dir: target, commit };
}

function checkedIdentity(options: ScaffoldOptions): TemplateIdentity {
  const checked = environmentSchema.pick({ name: true, displayName: true, description: true }).safeParse({
    name: options.name,
    displayName: options.displayName ?? options.name,
    description: options.description ?? "An aachat agent; describe here what it does.",
  });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue?.path.join(".") || "options";
    throw new AgentRepoError(`cannot create agent '${options.name}': the ${field} ${issue?.message ?? "is invalid"}`);
  }
  const { name, displayName, description } = checked.data;
  return { name, displayName: displayName ?? name, description };
}

/** Whether the (empty) directory already existed. */
async function refuseNonEmpty(target: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return false;
    if (error instanceof Error && "code" in error && error.code === "ENOTDIR") {
      throw new AgentRepoError(`cannot create an agent in ${target}: it is a file; choose a new directory`);
    }
    throw error;
  }
  if (entries.length > 0) {
    throw new AgentRepoError(
      `cannot create an agent in ${target}: the directory is not empty; choose a new or empty directory`,
    );
  }
  return true;
}

async function emptyDirectory(target: string): Promise<void> {
  const entries = await readdir(target).catch(() => []);
  await Promise.all(entries.map((entry) => rm(path.join(target, entry), { recursive: true, force: true })));
}

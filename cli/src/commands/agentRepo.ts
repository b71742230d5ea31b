import { randomBytes } from "node:crypto";
import { readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { renderAgent, renderRuntimeToken } from "../format/agents.ts";
import { UserError } from "../errors.ts";
import { printResult, progress } from "../output.ts";
import { saveRuntimeToken } from "../runtime/localRuntime.ts";
import { agentsDir } from "../stack/agentsDir.ts";
import { addJsonOption, checkAgentName, checkText, loggedIn, type JsonOption, type Session } from "./apiCommand.ts";
import { joinAgentDm } from "./landInside.ts";

interface CreateOptions extends JsonOption {
  displayName?: string;
  description?: string;
  repo?: string;
  pushTo?: string;
  dir?: string;
}

/** `agent create|validate|update`: the agent as a git repository on the owner's machine. */
export function registerAgentRepoCommands(agent: Command): void {
  addJsonOption(
    agent
      .command("create")
      .description(
        "create an agent repository from the built-in template (or clone one with --repo) and register the agent",
      )
      .argument(
        "[name]",
        "lowercase letters, digits and '-', starting with a letter (default with --repo: the repository's name)",
      )
      .option("--display-name <name>", "how it appears in chat (a new repository only)")
      .option("--description <text>", "what it is for (a new repository only)")
      .option("--repo <url-or-path>", "register an existing agent repository instead: it is cloned")
      .option("--push-to <url>", "the git remote its memory is pushed to (origin)")
      .option(
        "--dir <dir>",
        "where the repository goes (default: $AACHAT_AGENTS_DIR/NAME, ~/.local/share/aachat/agents/NAME)",
      )
      .addHelpText(
        "after",
        "\nThe repository is validated before anything is registered; an invalid one is removed again\n" +
          "and every problem is listed with its file and line. The runtime token is printed once.",
      ),
  ).action(async (nameArg: string | undefined, options: CreateOptions) => {
    const name = nameArg === undefined ? undefined : checkAgentName("NAME", nameArg);
    if (name === undefined && options.repo === undefined)
      throw new UserError("give the agent's NAME (or --repo to register an existing repository)");
    if (options.repo !== undefined && (options.displayName !== undefined || options.description !== undefined)) {
      throw new UserError(
        "--display-name and --description are for a new repository; an existing one says them in its environment.yaml",
      );
    }
    const session = await loggedIn();
    const repo = await import("@aachat/agent-repo");
    const base = agentsDir();
    const target = options.dir
      ? path.resolve(options.dir)
      : path.join(base, name ?? `.incoming-${randomBytes(4).toString("hex")}`);
    let dir = target;
    let made: string | undefined;
    try {
      if (options.repo !== undefined) {
        progress(`Cloning ${options.repo}…`);
        await repo.cloneAgentRepo(options.repo, target);
      } else {
        await repo.scaffoldAgentRepo(target, {
          name: name!,
          displayName: options.displayName,
          description: options.description,
        });
      }
      made = target;
      const validation = await repo.validateAgentRepo(target);
      if (!validation.ok) {
        throw new UserError(`the agent repository is not valid:\n${repo.formatProblems(validation.problems)}`);
      }
      const identity = validation.identity;
      const agentName = checkAgentName("the repository's name", identity.name ?? name ?? "");
      if (name !== undefined && agentName !== name) {
        throw new UserError(
          `the repository says its name is '${agentName}' (environment.yaml), not '${name}'; omit NAME or use '${agentName}'`,
        );
      }
      if (!options.dir && target !== path.join(base, agentName)) {
        dir = path.join(base, agentName);
        await rename(target, dir).catch(() => {
          throw new UserError(`${dir} already exists; remove it or pass --dir`);
        });
        made = dir;
      }
      if (options.pushTo !== undefined) {
        progress(`Pushing to ${options.pushTo}…`);
        await repo.setPushRemote(dir, checkText("--push-to", options.pushTo, 2000));
      }
      const avatarUrl = identity.avatar ? await uploadAvatar(session, dir, identity.avatar) : undefined;
      const result = await session.api.createAgent({
        name: agentName,
        ...(identity.displayName ? { displayName: identity.displayName } : {}),
        repoUrl: options.pushTo ?? options.repo ?? dir,
        ...(avatarUrl ? { avatarUrl } : {}),
      });
      const kept = await saveRuntimeToken(result.agent.name, result.runtimeToken);
      await joinAgentDm(session.credentials, result.agent);
      if (options.json) progress("The runtime token is shown only now: keep it secret.");
      printResult(options.json === true, { ...result, repositoryDir: dir }, () =>
        [
          `Created agent ${result.agent.name} (${result.agent.userId}); its repository is ${dir}.`,
          `Edit CLAUDE.md and .claude/skills/ there, then \`aachat agent update ${result.agent.name}\`.`,
          `Run it with \`aachat agent start ${result.agent.name} -p PROJECT\` once it is in a project.`,
          "",
          renderRuntimeToken(result.agent.name, result.runtimeToken, kept),
        ].join("\n"),
      );
    } catch (error) {
      // Nothing half-created: a repository made here goes again when registering fails.
      if (made !== undefined) await rm(made, { recursive: true, force: true });
      throw error;
    }
  });

  addJsonOption(
    agent
      .command("validate")
      .description("check an agent repository and list every problem with its file and line")
      .argument("[path]", "the repository (default: the current directory)"),
  ).action(async (dirArg: string | undefined, options: JsonOption) => {
    const { validateAgentRepo, formatProblems } = await import("@aachat/agent-repo");
    const dir = path.resolve(dirArg ?? ".");
    const result = await validateAgentRepo(dir);
    printResult(options.json === true, result, () =>
      result.ok
        ? `${dir}: a valid agent repository (${result.identity.name ?? "?"}).`
        : formatProblems(result.problems),
    );
    if (!result.ok) process.exitCode = 1;
  });

  addJsonOption(
    agent
      .command("update")
      .description("re-read an agent's repository and update its Matrix profile (display name, avatar)")
      .argument("<name>", "the agent")
      .option("--dir <dir>", "its repository (default: $AACHAT_AGENTS_DIR/NAME)"),
  ).action(async (nameArg: string, options: JsonOption & { dir?: string }) => {
    const name = checkAgentName("NAME", nameArg);
    const session = await loggedIn();
    const { validateAgentRepo, formatProblems } = await import("@aachat/agent-repo");
    const dir = options.dir ? path.resolve(options.dir) : path.join(agentsDir(), name);
    const validation = await validateAgentRepo(dir);
    if (!validation.ok)
      throw new UserError(`the agent repository ${dir} is not valid:\n${formatProblems(validation.problems)}`);
    if (validation.identity.name !== undefined && validation.identity.name !== name) {
      throw new UserError(`${dir} is the repository of '${validation.identity.name}', not '${name}'`);
    }
    const avatarUrl = validation.identity.avatar
      ? await uploadAvatar(session, dir, validation.identity.avatar)
      : undefined;
    const updated = await session.api.updateAgent(name, {
      displayName: validation.identity.displayName ?? name,
      ...(avatarUrl ? { avatarUrl } : {}),
    });
    printResult(options.json === true, updated, () => `Updated ${name} from ${dir}.\n${renderAgent(updated)}`);
  });
}

const AVATAR_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

/** Uploads the repository's avatar image to the homeserver as the owner; returns its mxc:// URL. */
async function uploadAvatar(session: Session, dir: string, avatar: string): Promise<string | undefined> {
  if (/^https?:\/\//.test(avatar)) {
    progress(`The avatar ${avatar} is a web address; put the image in the repository to have it uploaded.`);
    return undefined;
  }
  const contentType = AVATAR_TYPES[path.extname(avatar).toLowerCase()];
  if (!contentType) throw new UserError(`the avatar ${avatar} must be a .png, .jpg, .gif or .webp image`);
  const bytes = await readFile(path.join(dir, avatar));
  const response = await fetch(
    `${session.credentials.homeserverUrl}/_matrix/media/v3/upload?filename=${encodeURIComponent(path.basename(avatar))}`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${session.credentials.accessToken}`, "content-type": contentType },
      body: bytes,
    },
  );
  const body = (await response.json().catch(() => ({}))) as { content_uri?: string; error?: string };
  if (!response.ok || !body.content_uri)
    throw new UserError(`the homeserver refused the avatar upload: ${body.error ?? response.status}`);
  return body.content_uri;
}

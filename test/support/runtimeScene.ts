import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MatrixClient, MatrixEvent } from "matrix-js-sdk";
import pino from "pino";
import { inject } from "vitest";
import { runGit, scaffoldAgentRepo } from "@aachat/agent-repo";
import { Runtime, runtimePaths, runtimeConfigSchema, type RuntimeConfigInput } from "@aachat/runtime";
import { uniqueName } from "./api.ts";
import { agentInProject, type ProjectScene, type SceneAgent } from "./projectScene.ts";
import { waitForRoomEvent, waitUntil } from "./waits.ts";

import { scriptedAgentCommand } from "./scriptedAgent.ts";

export { SCRIPTED_AGENT, scriptedAgentCommand } from "./scriptedAgent.ts";

export const STREAM_FIELD = "org.aachat.stream";

/** A fresh folder under the test run's work directory. */
export async function scratchDir(prefix: string): Promise<string> {
  const root = path.join(inject("stack").workDir, "scratch");
  await mkdir(root, { recursive: true });
  return mkdtemp(path.join(root, `${prefix}-`));
}

/** An agent repository made from the built-in template, with a bare `origin` its memory is pushed to. */
export async function agentRepo(name: string): Promise<{ repoDir: string; originDir: string }> {
  const dir = await scratchDir(`repo-${name}`);
  const repoDir = path.join(dir, name);
  const originDir = path.join(dir, "origin.git");
  await scaffoldAgentRepo(repoDir, { name, displayName: name });
  await runGit(dir, ["init", "--quiet", "--bare", "--initial-branch=main", originDir]);
  await runGit(repoDir, ["remote", "add", "origin", originDir]);
  await runGit(repoDir, ["push", "--quiet", "origin", "main"]);
  return { repoDir, originDir };
}

export interface RuntimeUnderTest {
  runtime: Runtime;
  paths: ReturnType<typeof runtimePaths>;
  logFile: string;
}

/**
 * Writes an agent's runtime.json and token into a fresh runtimes folder and starts its real
 * Runtime in this process (the scripted agent by default), and waits until it is connected.
 * Stop it with `runtime.stop()`.
 */
export async function startRuntime(options: {
  serverUrl: string;
  agent: { name: string; token: string };
  repoDir: string;
  config?: Partial<RuntimeConfigInput>;
  env?: NodeJS.ProcessEnv;
  runtimesDir?: string;
}): Promise<RuntimeUnderTest> {
  const runtimesDir = options.runtimesDir ?? (await scratchDir("runtimes"));
  const paths = runtimePaths(options.agent.name, { AACHAT_RUNTIME_DIR: runtimesDir });
  const input: RuntimeConfigInput = {
    agent: options.agent.name,
    serverUrl: options.serverUrl,
    repoDir: options.repoDir,
    agentCommand: scriptedAgentCommand(),
    editIntervalMs: 200,
    ...options.config,
  };
  await writeRuntimeFiles(paths, input, options.agent.token);
  const log = pino(
    { level: process.env.AACHAT_TEST_LOG ?? "info", base: { agent: options.agent.name } },
    pino.destination({ dest: paths.log, append: true, sync: true }),
  );
  const config = runtimeConfigSchema.parse(input);
  const runtime = await Runtime.start({
    paths,
    config,
    token: options.agent.token,
    log,
    env: options.env,
    client: { backoff: { initialMs: 50, maxMs: 1_000 } },
  });
  await waitUntil(`the runtime of ${options.agent.name} is connected`, async () => runtime.status().connected);
  return { runtime, paths, logFile: paths.log };
}

export async function writeRuntimeFiles(
  paths: ReturnType<typeof runtimePaths>,
  config: RuntimeConfigInput,
  token: string,
): Promise<void> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await writeFile(paths.token, `${token}\n`, { mode: 0o600 });
}

export interface Reply {
  /** The agent's message (the one later edits replace). */
  eventId: string;
  /** Its final text, and its HTML rendering. */
  body: string;
  html: string;
  /** The message as first sent (its relations and mentions). */
  content: Record<string, unknown>;
  /** Every version of the text the human's client saw, in order. */
  versions: string[];
}

/**
 * Waits until the human's client has the final text of an agent's answer in the room: its
 * message sent final at once, or its final edit. Call before the mention; `where` picks
 * among several answers by their final text.
 */
export function waitForFinalReply(
  client: MatrixClient,
  roomId: string,
  agentUserId: string,
  where: (body: string) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<Reply> {
  const versions = new Map<string, string[]>();
  const originals = new Map<string, Record<string, unknown>>();
  return waitForRoomEvent(client, {
    roomId,
    type: "m.room.message",
    sender: agentUserId,
    timeoutMs,
    where: (event: MatrixEvent) => {
      const content = event.getContent();
      const relation = content["m.relates_to"];
      const isEdit = relation?.rel_type === "m.replace";
      const shown = (isEdit ? content["m.new_content"] : content) as Record<string, unknown>;
      const original = isEdit ? relation.event_id! : event.getId()!;
      if (!isEdit) originals.set(original, content);
      const seen = versions.get(original) ?? [];
      seen.push(String(shown.body));
      versions.set(original, seen);
      return shown[STREAM_FIELD] === "final" && where(String(shown.body));
    },
  }).then((event) => {
    const content = event.getContent();
    const relation = content["m.relates_to"];
    const isEdit = relation?.rel_type === "m.replace";
    const eventId = isEdit ? relation.event_id! : event.getId()!;
    const shown = (isEdit ? content["m.new_content"] : content) as Record<string, unknown>;
    return {
      eventId,
      body: String(shown.body),
      html: String(shown.formatted_body),
      content: originals.get(eventId) ?? {},
      versions: versions.get(eventId) ?? [],
    };
  });
}

/** Resolves with the agent's next permission request in the scene's project room. */
export function permissionRequest(scene: ProjectScene, agent: RunningAgent, timeoutMs?: number): Promise<MatrixEvent> {
  return waitForRoomEvent(scene.alice.client, {
    roomId: scene.roomId,
    type: "m.room.message",
    sender: agent.agent.userId,
    timeoutMs,
    where: (event) => String(event.getContent().body).startsWith("🔐 **Permission needed**"),
  });
}

/** A unique bit of text, to find one message among others. */
export function marker(): string {
  return randomBytes(4).toString("hex");
}

export interface StartedSession {
  alreadyRunning: boolean;
  session: { id: string; status: string; agent: string };
}

export interface RunningAgent extends RuntimeUnderTest {
  agent: SceneAgent;
  repoDir: string;
  originDir: string;
  dmRoomId: string;
  /** The session started for the scene's project. */
  sessionId: string;
  /** The appservice's answer to starting that session. */
  started: StartedSession;
  /** With `logRequests`: the file the scripted agent appends each request it receives to. */
  requestLog?: string;
}

/**
 * An agent of the scene's owner in its project, with its repository, its runtime (in this
 * process) and a session covering the project, ready to answer; the owner has joined its DM.
 */
export async function runningAgent(
  scene: ProjectScene,
  serverUrl: string,
  options: {
    prefix: string;
    displayName?: string;
    config?: Partial<RuntimeConfigInput>;
    env?: NodeJS.ProcessEnv;
    /** Other projects of the scene's team the agent joins and its session covers too. */
    moreProjects?: string[];
    /** Has the scripted agent log what it receives: read it with agentRequests. */
    logRequests?: boolean;
    /** Changes the agent's repository (and commits) before its runtime starts. */
    prepareRepo?: (repoDir: string) => Promise<void>;
  },
): Promise<RunningAgent> {
  const agent = await agentInProject(scene, uniqueName(options.prefix), { displayName: options.displayName });
  for (const project of options.moreProjects ?? []) {
    await scene.api("PUT", `/teams/${scene.slug}/projects/${project}/agents/${agent.name}`);
  }
  const { repoDir, originDir } = await agentRepo(agent.name);
  await options.prepareRepo?.(repoDir);
  const requestLog = options.logRequests ? path.join(await scratchDir("agent-log"), "scripted-agent.log") : undefined;
  const env = requestLog ? { ...(options.env ?? process.env), SCRIPTED_AGENT_LOG: requestLog } : options.env;
  const runtime = await startRuntime({ serverUrl, agent, repoDir, config: options.config, env });
  const projects = [scene.project, ...(options.moreProjects ?? [])].map((project) => `${scene.slug}/${project}`);
  const started = await scene.api<StartedSession>("POST", `/agents/${agent.name}/sessions`, { projects });
  if (started.status !== 201 || started.body.session.status !== "ready") {
    throw new Error(`the session did not start: ${JSON.stringify(started.body)}`);
  }
  const dmRoomId = (await scene.api<{ dmRoomId: string }>("GET", `/agents/${agent.name}`)).body.dmRoomId;
  await scene.alice.client.joinRoom(dmRoomId);
  return {
    ...runtime,
    agent,
    repoDir,
    originDir,
    dmRoomId,
    sessionId: started.body.session.id,
    started: started.body,
    requestLog,
  };
}

/** Every request and notification the agent's scripted agent received so far, oldest first. */
export async function agentRequests<T extends { method: string }>(agent: RunningAgent): Promise<T[]> {
  if (!agent.requestLog) throw new Error(`the agent ${agent.agent.name} was started without logRequests`);
  return (await readFile(agent.requestLog, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/**
 * An agent running the real Claude Code (claude-agent-acp, the runtime's default agent) as
 * runningAgent does, its model the local server at `modelUrl`; `env` adds to or overrides
 * what it runs with.
 */
export async function claudeCodeAgent(
  scene: ProjectScene,
  serverUrl: string,
  options: { modelUrl: string; env?: NodeJS.ProcessEnv; moreProjects?: string[] },
): Promise<RunningAgent> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: await scratchDir("claude-home"),
    ANTHROPIC_BASE_URL: options.modelUrl,
    ANTHROPIC_API_KEY: "dummy",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    // These tests run as root, where Claude Code refuses to start outside a sandbox.
    IS_SANDBOX: "1",
    ...options.env,
  };
  return runningAgent(scene, serverUrl, {
    prefix: "claude",
    displayName: "Claude",
    env,
    config: { agentCommand: undefined },
    moreProjects: options.moreProjects,
  });
}

// A scripted ACP agent: speaks ACP v1 on stdio and follows directives written in the
// prompt instead of asking a language model. See README.md.
// Run: node --import tsx test/support/scripted-agent/main.ts
import { diag } from "./stdio-guard.ts"; // first: keeps stdout for ACP frames only
import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { logReceived } from "./log.ts";
import { announceCommands, announced, setConfigOption, setMode } from "./modes.ts";
import { Session } from "./session.ts";
import { readSession, saveSession } from "./store.ts";
import { runTurn } from "./turn.ts";

const loadSession = process.env.SCRIPTED_AGENT_NO_LOAD !== "1";
const sessions = new Map<string, Session>();

function live(sessionId: string): Session {
  const session = sessions.get(sessionId);
  if (!session) throw acp.RequestError.sessionNotFound(sessionId);
  return session;
}

const app = acp
  .agent({ name: "scripted-agent" })
  .onRequest(acp.methods.agent.initialize, ({ method, params }) => {
    logReceived(method, params);
    return {
      protocolVersion: 1,
      agentCapabilities: {
        loadSession,
        mcpCapabilities: { http: false, sse: false },
        promptCapabilities: { image: true, audio: false, embeddedContext: true },
      },
      agentInfo: { name: "scripted-agent", version: "0.1.0" },
      authMethods: [],
    };
  })
  .onRequest(acp.methods.agent.session.new, ({ method, params, client }) => {
    logReceived(method, params);
    const id = `scripted-${randomBytes(6).toString("hex")}`;
    const session = new Session(id, params.cwd, params.mcpServers, [], false);
    saveSession(session);
    sessions.set(id, session);
    announceCommands(id, client);
    return { sessionId: id, ...announced(id) };
  })
  .onRequest(acp.methods.agent.session.load, async ({ method, params, client }) => {
    logReceived(method, params);
    if (!loadSession) throw acp.RequestError.methodNotFound(method);
    const stored = readSession(params.sessionId);
    if (!stored) throw acp.RequestError.sessionNotFound(params.sessionId);
    const previous = sessions.get(params.sessionId);
    if (previous) {
      previous.cancel();
      await previous.mcp.close();
    }
    const session = new Session(stored.id, params.cwd, params.mcpServers, stored.history, true);
    sessions.set(session.id, session);
    for (const entry of stored.history) {
      for (const content of entry.prompt) {
        await client.notify(acp.methods.client.session.update, {
          sessionId: session.id,
          update: { sessionUpdate: "user_message_chunk", content },
        });
      }
      if (entry.reply) {
        await client.notify(acp.methods.client.session.update, {
          sessionId: session.id,
          update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: entry.reply } },
        });
      }
    }
    saveSession(session); // records the mcpServers given now
    announceCommands(session.id, client);
    return announced(session.id);
  })
  .onRequest(acp.methods.agent.session.setMode, async ({ method, params, client }) => {
    logReceived(method, params);
    live(params.sessionId);
    await setMode(params.sessionId, params.modeId, client);
    return {};
  })
  .onRequest(acp.methods.agent.session.setConfigOption, ({ method, params, client }) => {
    logReceived(method, params);
    live(params.sessionId);
    return setConfigOption(params.sessionId, params.configId, params.value, client);
  })
  .onRequest(acp.methods.agent.session.prompt, ({ method, params, client }) => {
    logReceived(method, params);
    return runTurn(live(params.sessionId), params.prompt, client);
  })
  .onNotification(acp.methods.agent.session.cancel, ({ method, params }) => {
    logReceived(method, params);
    sessions.get(params.sessionId)?.cancel();
  })
  .onRequest("*", ({ method, params }) => {
    logReceived(method, params);
    throw acp.RequestError.methodNotFound(method);
  })
  .onNotification("*", ({ method, params }) => {
    logReceived(method, params);
  });

const connection = app.connect(
  acp.ndJsonStream(
    Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
    Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
  ),
);

await connection.closed.catch((err: unknown) => diag(`connection closed with error: ${String(err)}`));
await Promise.all([...sessions.values()].map((s) => s.mcp.close()));
process.exit(0);

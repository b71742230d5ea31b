import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve, isAbsolute } from "node:path";
import {
  RequestError,
  methods,
  type AgentContext,
  type ContentBlock,
  type PromptResponse,
  type SessionUpdate,
} from "@agentclientprotocol/sdk";
import { scriptedEdit, scriptedOutput } from "./content.ts";
import { parseDirectives } from "./directives.ts";
import type { Session } from "./session.ts";

/** Each session's cost so far, as `usage_update` reports it (a running total). */
const sessionCosts = new WeakMap<Session, number>();

class Cancelled extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return until(new Promise((r) => setTimeout(r, ms)), signal);
}

/** `promise`, or a rejection with Cancelled as soon as `signal` aborts. */
function until<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Splits `text` into at most `n` near-equal pieces (by code point). */
function split(text: string, n: number): string[] {
  const chars = Array.from(text);
  const count = Math.min(n, chars.length);
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    pieces.push(
      chars.slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count)).join(""),
    );
  }
  return pieces;
}

function appendRelative(cwd: string, path: string, text: string): void {
  const target = resolve(cwd, path);
  const rel = relative(cwd, target);
  if (rel.startsWith("..") || isAbsolute(rel))
    throw RequestError.invalidParams(undefined, `write outside the session's cwd: ${path}`);
  mkdirSync(dirname(target), { recursive: true });
  appendFileSync(target, text + "\n");
}

/** Runs one `session/prompt` turn as directed by the prompt's last text block (see README.md). */
export async function runTurn(session: Session, prompt: ContentBlock[], client: AgentContext): Promise<PromptResponse> {
  const last = prompt.findLast((b) => b.type === "text");
  const d = parseDirectives(last?.type === "text" ? last.text : "");
  if (d.crash) {
    process.stderr.write("[scripted-agent] [crash]: exiting with code 1\n");
    process.exit(1);
  }
  session.promptCount++;
  const turn = new AbortController();
  const signal = turn.signal;
  session.turns.add(turn);
  let sent = "";
  const notify = async (update: SessionUpdate): Promise<void> => {
    if (signal.aborted) throw new Cancelled();
    await client.notify(methods.client.session.update, { sessionId: session.id, update });
  };
  const chunk = async (text: string): Promise<void> => {
    await notify({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
    sent += text;
  };
  try {
    for (const title of d.tools) {
      const toolCallId = session.nextToolCallId();
      await notify({ sessionUpdate: "tool_call", toolCallId, title, kind: "execute", status: "in_progress" });
      await notify({ sessionUpdate: "tool_call_update", toolCallId, status: "completed" });
    }
    for (const diff of d.diffs) {
      const toolCallId = session.nextToolCallId();
      const { oldText, newText } = scriptedEdit(diff.lines);
      await notify({
        sessionUpdate: "tool_call",
        toolCallId,
        title: `Edit ${diff.path}`,
        kind: "edit",
        status: "in_progress",
        locations: [{ path: resolve(session.cwd, diff.path) }],
        content: [{ type: "diff", path: resolve(session.cwd, diff.path), oldText, newText }],
      });
      await notify({ sessionUpdate: "tool_call_update", toolCallId, status: "completed" });
    }
    for (const lines of d.terminals) {
      const toolCallId = session.nextToolCallId();
      await notify({
        sessionUpdate: "tool_call",
        toolCallId,
        title: "npm test",
        kind: "execute",
        status: "in_progress",
      });
      await notify({
        sessionUpdate: "tool_call_update",
        toolCallId,
        status: "completed",
        content: [{ type: "content", content: { type: "text", text: scriptedOutput(lines) } }],
      });
    }
    if (d.plan) {
      await notify({
        sessionUpdate: "plan",
        entries: [
          { content: "Read the request", priority: "high", status: "completed" },
          { content: "Write the reply", priority: "medium", status: "pending" },
        ],
      });
    }
    const outputs: string[] = [];
    if (d.permission) {
      const toolCallId = session.nextToolCallId();
      const response = await until(
        client.request(methods.client.session.requestPermission, {
          sessionId: session.id,
          toolCall: { toolCallId, title: "Run `rm -rf build`", kind: "execute", status: "pending" },
          options: [
            { optionId: "allow_once", kind: "allow_once", name: "Allow once" },
            { optionId: "allow_always", kind: "allow_always", name: "Always allow" },
            { optionId: "reject_once", kind: "reject_once", name: "Reject" },
          ],
        }),
        signal,
      );
      const outcome = response.outcome;
      outputs.push(`permission: ${outcome.outcome === "selected" ? outcome.optionId : "cancelled"}`);
    }
    for (const w of d.writes) appendRelative(session.cwd, w.path, w.text);
    for (const call of d.mcp) {
      const toolCallId = session.nextToolCallId();
      await notify({
        sessionUpdate: "tool_call",
        toolCallId,
        title: `mcp ${call.tool}`,
        kind: "other",
        status: "in_progress",
      });
      const result = await until(session.mcp.call(call.tool, call.json), signal);
      await notify({ sessionUpdate: "tool_call_update", toolCallId, status: result.ok ? "completed" : "failed" });
      outputs.push(result.line);
    }
    if (d.whoami) outputs.push(`session ${session.id} loaded=${session.loaded} prompts=${session.promptCount}`);
    if (d.fail) throw new RequestError(-32603, "scripted failure");
    if (d.failAuth) throw RequestError.authRequired();

    if (d.slowMs) await sleep(d.slowMs, signal);
    if (d.hang) {
      await chunk("working…");
      await until(new Promise<never>(() => undefined), signal);
    }
    const reply = d.compact
      ? "compacted"
      : (d.reply ??
        (d.replyFile !== undefined ? readFileSync(resolve(session.cwd, d.replyFile), "utf8") : undefined) ??
        (outputs.length ? outputs.join("\n") : `echo: ${d.text}`));
    const pieces = split(reply, d.chunks ?? 3);
    for (const [i, piece] of pieces.entries()) {
      if (i > 0 && d.delayMs) await sleep(d.delayMs, signal);
      await chunk(piece);
    }
    session.record({ prompt, reply: sent, stopReason: "end_turn" });
    const response: PromptResponse = { stopReason: "end_turn" };
    if (d.usage) {
      const cost = (sessionCosts.get(session) ?? 0) + d.usage.costUsd;
      sessionCosts.set(session, cost);
      await notify({
        sessionUpdate: "usage_update",
        used: d.usage.tokens,
        size: 200_000,
        cost: { amount: cost, currency: "USD" },
      });
      // claude-agent-acp's field, outside the stable ACP type: the turn's own tokens.
      const { tokens } = d.usage;
      const usage = { inputTokens: tokens - Math.floor(tokens / 4), outputTokens: Math.floor(tokens / 4) };
      Object.assign(response, {
        usage: { ...usage, cachedReadTokens: 0, cachedWriteTokens: 0, totalTokens: tokens },
      });
    }
    return response;
  } catch (err) {
    if (err instanceof Cancelled || signal.aborted) {
      session.record({ prompt, reply: sent, stopReason: "cancelled" });
      return { stopReason: "cancelled" };
    }
    session.record({ prompt, reply: sent, stopReason: "error" });
    throw err;
  } finally {
    session.turns.delete(turn);
  }
}

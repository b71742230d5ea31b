/**
 * A stand-in for the Anthropic Messages API, so the real Claude Code agent (`claude-agent-acp`) runs
 * fully offline in tests. Start it, point the agent at it with `ANTHROPIC_BASE_URL=<url>` and
 * `ANTHROPIC_API_KEY=dummy`, and decide each model turn of the main conversation with a responder.
 *
 * Claude Code also sends requests of its own: the session title (structured JSON output), the
 * conversation summary of `/compact`, the auto-mode safety classifier, possibly token counts and
 * probes. These are told apart and answered here without calling the responder, so the responder
 * only sees the turns of the conversation the agent is having with the user. Every request is kept
 * in `requests`, with its kind, for assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A content block of a request message. Only the fields the fake and its tests read are named. */
export interface ContentBlock {
  type: string;
  /** `text` blocks. */
  text?: string;
  /** `tool_use` blocks. */
  id?: string;
  name?: string;
  input?: unknown;
  /** `tool_result` blocks. */
  tool_use_id?: string;
  content?: string | ContentBlock[];
  is_error?: boolean;
  [key: string]: unknown;
}

export interface RequestMessage {
  /** Claude Code also sends mid-conversation `system` messages (environment, reminders). */
  role: "user" | "assistant" | "system";
  content: string | ContentBlock[];
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  [key: string]: unknown;
}

/** The body of a `POST /v1/messages` request, as far as tests care. */
export interface MessagesRequest {
  model: string;
  messages: RequestMessage[];
  system?: string | ContentBlock[];
  tools?: { name: string; description?: string; input_schema?: JsonSchema; [key: string]: unknown }[];
  max_tokens?: number;
  stream?: boolean;
  stop_sequences?: string[];
  /** Structured output: Claude Code asks for the session title this way. */
  output_config?: { effort?: string; format?: { type: string; schema?: JsonSchema } };
  [key: string]: unknown;
}

/**
 * What a request was, as the fake told it apart:
 * - `main`: a turn of the conversation (the responder answered it);
 * - `title`: the session title, asked for as structured JSON output;
 * - `structured`: any other structured-output request, answered from its schema;
 * - `compact`: the conversation summary that `/compact` (or auto-compaction) asks for;
 * - `classifier`: the auto-mode safety classifier ("security monitor") judging a tool call, which
 *   answers `<severity>N</severity>` (below 50 allows the call);
 * - `count_tokens`: `POST /v1/messages/count_tokens`.
 */
export type RequestKind = "main" | "title" | "structured" | "compact" | "classifier" | "count_tokens";

export interface RecordedRequest {
  kind: RequestKind;
  /** Path with query, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: IncomingMessage["headers"];
  body: MessagesRequest;
}

/** One model turn: some text, a tool call, or text followed by a tool call. */
export interface FakeTurn {
  text?: string;
  toolUse?: { name: string; input: Record<string, unknown> };
}

export type Responder = (request: MessagesRequest) => FakeTurn | Promise<FakeTurn>;

export interface FakeAnthropicOptions {
  /** Decides each main-conversation turn; by default the model answers "OK." */
  responder?: Responder;
  /** Pause between streamed events, so a client sees the answer arrive over time. Default 0. */
  chunkDelayMs?: number;
  /**
   * What the auto-mode classifier answers, 0-100: below 50 lets the tool call run, above blocks it.
   * Default 0. (Only sessions in the `auto` permission mode ask it, and only for some tools.)
   */
  classifierSeverity?: number;
}

export interface FakeAnthropic {
  /** `http://127.0.0.1:PORT`: the agent's `ANTHROPIC_BASE_URL`. */
  url: string;
  /** Every `/v1/messages` request received, in order, for assertions. */
  requests: RecordedRequest[];
  /** The `main` requests only: the turns the responder was asked about. */
  mainRequests(): RecordedRequest[];
  /** Decides each main-conversation model turn from then on. */
  setResponder(fn: Responder): void;
  /** Changes the pause between streamed events. */
  setChunkDelay(ms: number): void;
  close(): Promise<void>;
}

/** A `tool_result` block of the last user message, with its content flattened to text. */
export interface ToolResult {
  toolUseId: string;
  text: string;
  isError: boolean;
}

/** Text blocks Claude Code puts into user messages itself: reminders, CLAUDE.md, slash-command records. */
const ADDED_BY_CLAUDE_CODE =
  /^\s*<(system-reminder|local-command-caveat|local-command-stdout|local-command-stderr|command-name|command-message|command-args)>/;
/** After a cancel, Claude Code sends the cancelled prompt, this marker and the next prompt as one message. */
const INTERRUPTED = /\[Request interrupted by user[^\]]*\]/;

function blocksOf(message: RequestMessage): ContentBlock[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

/** The text blocks of a message, as written. */
function textsOf(message: RequestMessage): string[] {
  return blocksOf(message)
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text!);
}

/**
 * The text the user last wrote: the text of the latest user message that has any, without the
 * blocks Claude Code adds itself (`<system-reminder>`, CLAUDE.md, slash-command records), and,
 * when a cancelled prompt was merged into it, only what follows the "[Request interrupted by
 * user]" marker. Empty if there is none.
 */
export function latestUserText(request: MessagesRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index]!;
    if (message.role !== "user") continue;
    const written = textsOf(message)
      .filter((text) => !ADDED_BY_CLAUDE_CODE.test(text))
      .join("\n\n")
      .split(INTERRUPTED)
      .map((part) => part.trim())
      .filter(Boolean);
    if (written.length > 0) return written.at(-1)!;
  }
  return "";
}

/** Flattens a tool result's content (a string or text blocks) to text. */
function flattenText(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .filter((block) => block.type === "text")
    .map((block) => block.text ?? "")
    .join("\n");
}

/**
 * The `tool_result` blocks of the last user message: non-empty exactly when this turn follows a tool
 * call. (The very last message may be a `system` one, so the last *user* message is the one read.)
 */
export function lastToolResults(request: MessagesRequest): ToolResult[] {
  const lastUser = [...request.messages].reverse().find((message) => message.role === "user");
  if (!lastUser) return [];
  return blocksOf(lastUser)
    .filter((block) => block.type === "tool_result")
    .map((block) => ({
      toolUseId: block.tool_use_id ?? "",
      text: flattenText(block.content),
      isError: block.is_error === true,
    }));
}

/** True when the last user message holds a `tool_result`, i.e. the model is to continue after a tool. */
export function followsToolResult(request: MessagesRequest): boolean {
  return lastToolResults(request).length > 0;
}

/** The request's system prompt as one string (e.g. to look for the CLAUDE.md contents). */
export function systemText(request: MessagesRequest): string {
  if (request.system === undefined) return "";
  return typeof request.system === "string" ? request.system : flattenText(request.system);
}

const COMPACT_INSTRUCTIONS = /create a detailed summary of the conversation/;

/**
 * Everything the model was shown as text: the system prompt and every text block of every message,
 * reminders included. CLAUDE.md, for one, arrives in a `<system-reminder>` of the first user
 * message, not in `system`; the skill list in a mid-conversation `system` message.
 */
export function contextText(request: MessagesRequest): string {
  return [systemText(request), ...request.messages.flatMap(textsOf)].join("\n");
}

function classify(path: string, body: MessagesRequest): RequestKind {
  if (path.startsWith("/v1/messages/count_tokens")) return "count_tokens";
  const schema = body.output_config?.format?.schema;
  if (schema) return schema.properties && "title" in schema.properties ? "title" : "structured";
  // `/compact` (or auto-compaction) appends its instructions to the last user message.
  const lastUser = [...body.messages].reverse().find((message) => message.role === "user");
  if (lastUser && textsOf(lastUser).some((text) => COMPACT_INSTRUCTIONS.test(text))) return "compact";
  // The classifier's system prompt opens "You are a security monitor for autonomous AI coding
  // agents" and its question ends "Respond with <severity>N</severity>"; it is sent without tools.
  const noTools = (body.tools ?? []).length === 0;
  if (noTools && (/security monitor/i.test(systemText(body)) || /<severity>/.test(latestUserText(body)))) {
    return "classifier";
  }
  return "main";
}

/** A title of up to four words, from the text the title request wraps in `<session>`. */
function titleFor(body: MessagesRequest): string {
  const text = latestUserText(body);
  const session = /<session>\s*([\s\S]*?)\s*<\/session>/.exec(text)?.[1] ?? text;
  const words = session.split(/\s+/).filter(Boolean).slice(0, 4);
  return words.length > 0 ? words.join(" ") : "Fake session";
}

/** The summary a compaction gets: what each user message said, so later turns can be checked. */
function summaryFor(body: MessagesRequest): string {
  const said = body.messages
    .filter((message) => message.role === "user")
    .map((message) => {
      const content = blocksOf(message).filter((block) => !COMPACT_INSTRUCTIONS.test(block.text ?? ""));
      return latestUserText({ ...body, messages: [{ ...message, content }] });
    })
    .filter((text) => text !== "");
  const lines = said.map((text) => `- ${text.slice(0, 200)}`).join("\n");
  return `<analysis>\nFake analysis.\n</analysis>\n\n<summary>\nThe user said:\n${lines}\n</summary>`;
}

/** A value that satisfies a (simple) JSON schema: what a structured-output side request gets back. */
function valueFor(schema: JsonSchema | undefined, name: string, body: MessagesRequest): unknown {
  if (Array.isArray(schema?.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema?.type) {
    case "object": {
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        value[key] = valueFor(property, key, body);
      }
      return value;
    }
    case "array":
      return [];
    case "boolean":
      return false;
    case "number":
    case "integer":
      return 0;
    default:
      return name === "title" ? titleFor(body) : "fake";
  }
}

/** A rough token count (four characters a token), so usage grows with the conversation. */
function estimateTokens(body: MessagesRequest): number {
  return Math.max(1, Math.ceil(JSON.stringify([body.system ?? "", body.messages, body.tools ?? []]).length / 4));
}

/** Splits text into several pieces (about three words each), so the client sees it stream. */
function textChunks(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [text];
  const chunks: string[] = [];
  for (let index = 0; index < words.length; index += 3) chunks.push(words.slice(index, index + 3).join(""));
  return chunks.length > 0 ? chunks : [""];
}

type OutputBlock =
  { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** The assistant message an answer describes, streamed or sent whole. */
interface Message {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: OutputBlock[];
  stop_reason: "end_turn" | "tool_use" | "stop_sequence";
  stop_sequence: string | null;
  usage: Usage;
}

/** One request being answered, and whether its client has gone away. */
interface Exchange {
  response: ServerResponse;
  gone(): boolean;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "request-id": "req_fake" });
  response.end(JSON.stringify(value));
}

/**
 * Applies the request's `stop_sequences` to a text answer, as the API does: the text is cut before
 * the first sequence found, and the message ends with `stop_reason: "stop_sequence"`.
 */
function applyStopSequences(body: MessagesRequest, text: string): { text: string; stopSequence: string | null } {
  let cut: { text: string; stopSequence: string | null } = { text, stopSequence: null };
  for (const sequence of body.stop_sequences ?? []) {
    const at = text.indexOf(sequence);
    if (at >= 0 && at < cut.text.length) cut = { text: text.slice(0, at), stopSequence: sequence };
  }
  return cut;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  let responder: Responder = options.responder ?? (() => ({ text: "OK." }));
  let chunkDelayMs = options.chunkDelayMs ?? 0;
  const classifierSeverity = options.classifierSeverity ?? 0;
  let counter = 0;
  const requests: RecordedRequest[] = [];
  const nextId = (prefix: string) => `${prefix}_fake${String(++counter).padStart(6, "0")}`;

  /** Streams a message as server-sent events; stops early if the client went away (a cancel). */
  async function stream(exchange: Exchange, message: Message) {
    const { response } = exchange;
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "request-id": "req_fake",
    });
    const send = async (event: string, data: Record<string, unknown>): Promise<boolean> => {
      if (exchange.gone()) return false;
      response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
      await sleep(chunkDelayMs);
      return !exchange.gone();
    };
    const blocks = message.content;
    const usage = message.usage;
    const start = {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    };
    if (!(await send("message_start", { message: start }))) return;
    for (const [index, block] of blocks.entries()) {
      if (block.type === "text") {
        if (!(await send("content_block_start", { index, content_block: { type: "text", text: "" } }))) return;
        for (const text of textChunks(block.text)) {
          if (!(await send("content_block_delta", { index, delta: { type: "text_delta", text } }))) return;
        }
      } else {
        const contentBlock = { type: "tool_use", id: block.id, name: block.name, input: {} };
        if (!(await send("content_block_start", { index, content_block: contentBlock }))) return;
        const json = JSON.stringify(block.input);
        const half = Math.ceil(json.length / 2);
        for (const partial_json of [json.slice(0, half), json.slice(half)]) {
          if (!(await send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json } })))
            return;
        }
      }
      if (!(await send("content_block_stop", { index }))) return;
    }
    const delta = { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence };
    if (!(await send("message_delta", { delta, usage }))) return;
    await send("message_stop", {});
    response.end();
  }

  /** Answers a `/v1/messages` request with the given content, streamed or as one JSON message. */
  async function answer(exchange: Exchange, body: MessagesRequest, content: OutputBlock[]) {
    if (exchange.gone()) return;
    let stopSequence: string | null = null;
    const blocks = content.map((block) => {
      if (block.type !== "text") return block;
      const cut = applyStopSequences(body, block.text);
      stopSequence ??= cut.stopSequence;
      return { ...block, text: cut.text };
    });
    const text = blocks.map((block) => (block.type === "text" ? block.text : JSON.stringify(block.input))).join("");
    const usage: Usage = {
      input_tokens: estimateTokens(body),
      output_tokens: Math.max(1, Math.ceil(text.length / 4)),
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    const toolUse = blocks.some((block) => block.type === "tool_use");
    const message: Message = {
      id: nextId("msg"),
      type: "message",
      role: "assistant",
      model: body.model,
      content: blocks,
      stop_reason: toolUse ? "tool_use" : stopSequence !== null ? "stop_sequence" : "end_turn",
      stop_sequence: toolUse ? null : stopSequence,
      usage,
    };
    if (body.stream) await stream(exchange, message);
    else sendJson(exchange.response, 200, message);
  }

  async function handleMessages(path: string, request: IncomingMessage, response: ServerResponse) {
    // The agent closes the connection when the user cancels the turn: stop answering then.
    let closed = false;
    response.on("close", () => (closed = true));
    const exchange: Exchange = { response, gone: () => closed || response.destroyed };
    const body = JSON.parse(await readBody(request)) as MessagesRequest;
    const kind = classify(path, body);
    requests.push({ kind, path, headers: request.headers, body });
    switch (kind) {
      case "count_tokens":
        return sendJson(response, 200, { input_tokens: estimateTokens(body) });
      case "title":
      case "structured": {
        const value = valueFor(body.output_config?.format?.schema, "", body);
        return answer(exchange, body, [{ type: "text", text: JSON.stringify(value) }]);
      }
      case "compact":
        return answer(exchange, body, [{ type: "text", text: summaryFor(body) }]);
      case "classifier":
        return answer(exchange, body, [{ type: "text", text: `<severity>${classifierSeverity}</severity>` }]);
      case "main": {
        const turn = await responder(body);
        const blocks: OutputBlock[] = [];
        if (turn.text || !turn.toolUse) blocks.push({ type: "text", text: turn.text ?? "" });
        if (turn.toolUse) blocks.push({ type: "tool_use", id: nextId("toolu"), ...turn.toolUse });
        return answer(exchange, body, blocks);
      }
    }
  }

  const server = createServer((request, response) => {
    const path = request.url ?? "/";
    const isMessages = request.method === "POST" && path.startsWith("/v1/messages");
    if (!isMessages) {
      // `HEAD /` reachability probes and anything else Claude Code may ask: a plain 200.
      request.resume();
      sendJson(response, 200, {});
      return;
    }
    handleMessages(path, request, response).catch((error: unknown) => {
      // A failing responder is a bug in the test. Answer 400, not 5xx: Claude Code backs off and
      // retries on a 5xx, while on this it gives up within a second, and the prompt fails with
      // "API Error: 400 fake Anthropic: ..." (after a few immediate retries, recorded in `requests`).
      const message = `fake Anthropic: ${error instanceof Error ? error.message : String(error)}`;
      if (!response.headersSent) {
        sendJson(response, 400, { type: "error", error: { type: "invalid_request_error", message } });
      } else response.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mainRequests: () => requests.filter((request) => request.kind === "main"),
    setResponder(fn) {
      responder = fn;
    },
    setChunkDelay(ms) {
      chunkDelayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The directives found in the last text block of a prompt; see README.md. */
export interface Directives {
  /** The block's text with directives removed, trimmed. */
  text: string;
  compact: boolean;
  reply?: string;
  /** Reply with this file's text (relative to the session's cwd, or absolute). */
  replyFile?: string;
  chunks?: number;
  delayMs?: number;
  slowMs?: number;
  tools: string[];
  plan: boolean;
  permission: boolean;
  hang: boolean;
  writes: { path: string; text: string }[];
  mcp: { tool: string; json: string }[];
  crash: boolean;
  whoami: boolean;
  fail: boolean;
  /** `[fail:auth]`: fail like an agent nobody signed in (ACP auth_required). */
  failAuth: boolean;
  /** `[diff:PATH:LINES]`: edit tool calls, each with a diff of LINES changed lines of PATH. */
  diffs: { path: string; lines: number }[];
  /** `[terminal:LINES]`: command tool calls, each printing LINES lines. */
  terminals: number[];
  /** `[usage:TOKENS:COST]`: the turn used TOKENS tokens and added COST USD to the session's cost. */
  usage?: { tokens: number; costUsd: number };
}

const NAMES =
  /^\[(reply|replyfile|chunks|delay|slow|tool|plan|permission|hang|write|mcp|crash|whoami|fail|diff|terminal|usage)(?=[:\]])/;

/** Index of the `]` closing an argument starting at `from`: balanced brackets, JSON strings skipped for mcp. */
function closingBracket(text: string, from: number, jsonAware: boolean): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (jsonAware && c === '"') inString = true;
    else if (c === "[") depth++;
    else if (c === "]") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return text.indexOf("]", from); // unbalanced: fall back to the first `]`
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf(":");
  return at < 0 ? [arg, ""] : [arg.slice(0, at), arg.slice(at + 1)];
}

/** Applies one directive; false when it is malformed, so that it stays literal text. */
function apply(d: Directives, name: string, arg: string | undefined): boolean {
  const flag = (set: () => void): boolean => (arg === undefined ? (set(), true) : false);
  const int = (set: (n: number) => void): boolean => {
    if (arg === undefined) return true;
    if (!/^\d+$/.test(arg)) return false;
    set(Number(arg));
    return true;
  };
  switch (name) {
    case "reply":
      if (arg === undefined) return false;
      d.reply = arg;
      return true;
    case "replyfile":
      if (!arg) return false;
      d.replyFile = arg;
      return true;
    case "chunks":
      return int((n) => (d.chunks = Math.max(1, n)));
    case "delay":
      return int((n) => (d.delayMs = n));
    case "slow":
      return int((n) => (d.slowMs = n));
    case "tool":
      d.tools.push(arg || "scripted tool");
      return true;
    case "write": {
      const [path, text] = splitOnce(arg ?? "");
      if (!path) return false;
      d.writes.push({ path, text });
      return true;
    }
    case "mcp": {
      const [tool, json] = splitOnce(arg ?? "");
      if (!tool) return false;
      d.mcp.push({ tool, json: json.trim() || "{}" });
      return true;
    }
    case "diff": {
      const at = (arg ?? "").lastIndexOf(":");
      const path = (arg ?? "").slice(0, at);
      const lines = (arg ?? "").slice(at + 1);
      if (at <= 0 || !/^[1-9]\d{0,5}$/.test(lines)) return false;
      d.diffs.push({ path, lines: Number(lines) });
      return true;
    }
    case "terminal":
      if (!arg || !/^[1-9]\d{0,6}$/.test(arg)) return false;
      d.terminals.push(Number(arg));
      return true;
    case "usage": {
      const [tokens, cost] = splitOnce(arg ?? "");
      if (!/^\d{1,12}$/.test(tokens) || !/^\d+(\.\d+)?$/.test(cost)) return false;
      d.usage = { tokens: Number(tokens), costUsd: Number(cost) };
      return true;
    }
    case "plan":
      return flag(() => (d.plan = true));
    case "permission":
      return flag(() => (d.permission = true));
    case "hang":
      return flag(() => (d.hang = true));
    case "crash":
      return flag(() => (d.crash = true));
    case "whoami":
      return flag(() => (d.whoami = true));
    case "fail":
      if (arg === "auth") return (d.failAuth = true);
      return flag(() => (d.fail = true));
    default:
      return false;
  }
}

export function parseDirectives(block: string): Directives {
  const d: Directives = {
    text: "",
    compact: block.trim() === "/compact",
    tools: [],
    plan: false,
    permission: false,
    hang: false,
    writes: [],
    mcp: [],
    crash: false,
    whoami: false,
    fail: false,
    failAuth: false,
    diffs: [],
    terminals: [],
  };
  let rest = "";
  let i = 0;
  while (i < block.length) {
    const open = block.indexOf("[", i);
    if (open < 0) break;
    const m = NAMES.exec(block.slice(open));
    let end = -1;
    if (m) {
      const name = m[1]!;
      const after = open + m[0].length;
      if (block[after] === "]") {
        end = apply(d, name, undefined) ? after : -1;
      } else {
        const close = closingBracket(block, after + 1, name === "mcp");
        if (close >= 0 && apply(d, name, block.slice(after + 1, close))) end = close;
      }
    }
    if (end < 0) {
      rest += block.slice(i, open + 1);
      i = open + 1;
    } else {
      rest += block.slice(i, open);
      i = end + 1;
    }
  }
  d.text = (rest + block.slice(i)).trim();
  return d;
}

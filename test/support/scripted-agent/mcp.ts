import type { McpServer } from "@agentclientprotocol/sdk";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

/**
 * A lazily connected MCP client for a session's first MCP server (stdio only).
 * The MCP SDK is imported on first use to keep the agent's cold start short.
 */
export class McpLink {
  private client: Promise<Client> | undefined;

  constructor(
    private readonly server: McpServer | undefined,
    private readonly cwd: string,
  ) {}

  /** Calls `tool`; resolves with the reply line (`mcp: …` or `mcp error: …`), never rejects. */
  async call(tool: string, json: string): Promise<{ ok: boolean; line: string }> {
    try {
      const args: unknown = JSON.parse(json);
      if (typeof args !== "object" || args === null || Array.isArray(args)) {
        throw new Error("arguments must be a JSON object");
      }
      const client = await this.connect();
      const result = await client.callTool({ name: tool, arguments: args as Record<string, unknown> });
      const content: unknown[] = Array.isArray(result.content) ? result.content : [];
      const text = content
        .map((c) => (typeof c === "object" && c !== null && "text" in c && typeof c.text === "string" ? c.text : ""))
        .join("\n");
      return result.isError ? { ok: false, line: `mcp error: ${text}` } : { ok: true, line: `mcp: ${text}` };
    } catch (err) {
      return { ok: false, line: `mcp error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private connect(): Promise<Client> {
    this.client ??= this.open().catch((err: unknown) => {
      this.client = undefined; // retry on the next call
      throw err;
    });
    return this.client;
  }

  private async open(): Promise<Client> {
    const server = this.server;
    if (!server) throw new Error("the session has no MCP server");
    if ("type" in server) throw new Error(`unsupported MCP server type "${server.type}" (stdio only)`);
    const [{ Client }, { StdioClientTransport }] = await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      import("@modelcontextprotocol/sdk/client/stdio.js"),
    ]);
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      env: Object.fromEntries(server.env.map((e) => [e.name, e.value])),
      cwd: this.cwd,
      stderr: "inherit", // our stderr, never stdout
    });
    const client = new Client({ name: "scripted-agent", version: "0.1.0" });
    await client.connect(transport);
    return client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.then((c) => c.close()).catch(() => undefined);
  }
}

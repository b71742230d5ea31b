import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { controlCall } from "../control/controlClient.ts";
import { RUNTIME_VERSION } from "../version.ts";
import { chatToolNames, chatTools } from "./chatToolSchemas.ts";

/**
 * The MCP server that gives a session's agent its chat tools. Its agent starts it with the
 * runtime's control socket and the session's secret key in its environment; each tool call
 * is carried out by the runtime, within what that session covers. Stdout is the MCP
 * channel: nothing else may be written there.
 */
const socketPath = process.env.AACHAT_RUNTIME_SOCKET;
const key = process.env.AACHAT_SESSION_KEY;
if (!socketPath || !key) {
  process.stderr.write(
    "aachat-chat-tools: started without AACHAT_RUNTIME_SOCKET and AACHAT_SESSION_KEY; the runtime starts it\n",
  );
  process.exit(2);
}

const server = new McpServer({ name: "aachat", version: RUNTIME_VERSION });
for (const tool of chatToolNames) {
  const { description, input } = chatTools[tool];
  server.registerTool(tool, { description, inputSchema: input }, async (args: unknown) => {
    try {
      const response = await controlCall(socketPath, { op: "tool", key, tool, args }, 120_000);
      if (response.ok && "text" in response) return { content: [{ type: "text" as const, text: response.text }] };
      const error = response.ok ? "unexpected answer from the runtime" : response.error;
      return { content: [{ type: "text" as const, text: error }], isError: true };
    } catch (error) {
      return {
        content: [{ type: "text" as const, text: `the aachat runtime is unreachable: ${(error as Error).message}` }],
        isError: true,
      };
    }
  });
}

await server.connect(new StdioServerTransport());

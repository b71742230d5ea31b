#!/usr/bin/env node
// The MCP server of a session's chat tools, started by the session's agent. Its stdout is the MCP channel.
import { launch } from "../build/launch.mjs";

await launch("chat-tools.mjs", "src/mcp/chatToolsMain.ts");

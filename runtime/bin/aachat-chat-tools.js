#!/usr/bin/env node
// The MCP server of a session's chat tools, started by the session's agent. Its stdout is the MCP channel.
import { register } from "tsx/esm/api";

register();
await import("../src/mcp/chatToolsMain.ts");

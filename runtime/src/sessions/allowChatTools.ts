import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { runGit } from "@aachat/agent-repo";

const LOCAL_SETTINGS = ".claude/settings.local.json";
const RULE = "mcp__aachat";

/**
 * Lets Claude Code use the session's aachat chat tools without asking each time. Claude
 * Code honours this for MCP tools in the local settings (`.claude/settings.local.json`),
 * not in the repository's shared settings. The file is the runtime's, not the agent's: it is
 * kept out of git (info/exclude), so it is never committed as memory. A local settings file
 * the agent's repository tracks itself is left alone.
 */
export async function allowChatTools(workspace: string): Promise<void> {
  const file = path.join(workspace, LOCAL_SETTINGS);
  const tracked = await runGit(workspace, ["ls-files", "--error-unmatch", LOCAL_SETTINGS], { allowFailure: true });
  if (tracked.exitCode === 0) return;
  let settings: { permissions?: { allow?: unknown } } & Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) settings = parsed as typeof settings;
  } catch {
    // Missing or unreadable: ours to write.
  }
  const allow = Array.isArray(settings.permissions?.allow) ? (settings.permissions.allow as unknown[]) : [];
  if (!allow.includes(RULE)) {
    settings.permissions = { ...settings.permissions, allow: [...allow, RULE] };
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`);
  }
  const commonDir = (await runGit(workspace, ["rev-parse", "--git-common-dir"])).stdout.trim();
  const exclude = path.resolve(workspace, commonDir, "info", "exclude");
  const current = await readFile(exclude, "utf8").catch(() => "");
  if (!current.split("\n").includes(LOCAL_SETTINGS)) {
    await mkdir(path.dirname(exclude), { recursive: true });
    await appendFile(exclude, `${current === "" || current.endsWith("\n") ? "" : "\n"}${LOCAL_SETTINGS}\n`);
  }
}

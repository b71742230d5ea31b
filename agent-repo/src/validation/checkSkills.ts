import { readdir } from "node:fs/promises";
import path from "node:path";
import { isPlainObject } from "../isPlainObject.ts";
import type { Problem } from "./Problem.ts";
import { parseYamlWithLines } from "./parseYamlWithLines.ts";
import { readTextIfPresent } from "./readTextIfPresent.ts";

export const SKILLS_DIR = ".claude/skills";
const SKILL_NAME = /^[a-z0-9-]{1,64}$/;
const SKILL_NAME_RULE = "must be lowercase letters, digits and hyphens, at most 64 characters";
// Claude Code's own limit for a skill's description.
const MAX_DESCRIPTION = 1024;

/** Checks every `.claude/skills/<folder>/SKILL.md` for frontmatter with a valid name and description. */
export async function checkSkills(repoDir: string): Promise<Problem[]> {
  const folders = await skillFolders(path.join(repoDir, SKILLS_DIR));
  const problems = await Promise.all(folders.map((folder) => checkSkill(repoDir, folder)));
  return problems.flat();
}

async function skillFolders(skillsDir: string): Promise<string[]> {
  try {
    const entries = await readdir(skillsDir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

async function checkSkill(repoDir: string, folder: string): Promise<Problem[]> {
  const file = `${SKILLS_DIR}/${folder}/SKILL.md`;
  const text = await readTextIfPresent(path.join(repoDir, file));
  if (text === undefined) {
    return [{ file, message: "missing; each skill folder needs a SKILL.md, or Claude Code ignores the skill" }];
  }
  const frontmatter = extractFrontmatter(text);
  if (!frontmatter) {
    return [
      {
        file,
        line: 1,
        message:
          "missing YAML frontmatter; start the file with a '---' line, then name: and description:, then a closing '---' line",
      },
    ];
  }
  const parsed = parseYamlWithLines(frontmatter.text, frontmatter.firstLine);
  if (parsed.syntaxErrors.length > 0) {
    return parsed.syntaxErrors.map((error) => ({
      file,
      line: error.line,
      message: `invalid YAML in frontmatter: ${error.message}`,
    }));
  }
  if (!isPlainObject(parsed.value)) {
    return [
      { file, line: frontmatter.firstLine, message: "frontmatter must be a mapping with name: and description:" },
    ];
  }
  const at = (key: string, message: string): Problem => ({ file, line: parsed.lineOf([key]), message });
  const { name, description } = parsed.value;
  const problems: Problem[] = [];
  if (name === undefined || name === null) {
    problems.push({ file, message: `name: required; ${SKILL_NAME_RULE}` });
  } else if (typeof name !== "string" || !SKILL_NAME.test(name)) {
    problems.push(at("name", `name: ${SKILL_NAME_RULE} (got ${JSON.stringify(name)})`));
  } else if (name !== folder) {
    problems.push(at("name", `name: '${name}' differs from its folder '${folder}'; rename one so they match`));
  }
  if (description === undefined || description === null) {
    problems.push({ file, message: "description: required; say what the skill does and when to use it" });
  } else if (typeof description !== "string" || description.trim() === "") {
    problems.push(
      at("description", "description: must be non-empty text saying what the skill does and when to use it"),
    );
  } else if (description.length > MAX_DESCRIPTION) {
    problems.push(at("description", `description: must be at most ${MAX_DESCRIPTION} characters`));
  }
  return problems;
}

/** The YAML between a leading `---` line and the next `---` line, and the file line it starts on. */
function extractFrontmatter(text: string): { text: string; firstLine: number } | undefined {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trimEnd() !== "---") return undefined;
  const closing = lines.findIndex((line, index) => index > 0 && line.trimEnd() === "---");
  if (closing === -1) return undefined;
  return { text: lines.slice(1, closing).join("\n"), firstLine: 2 };
}

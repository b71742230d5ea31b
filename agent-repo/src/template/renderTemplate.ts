import { stringify } from "yaml";

export interface TemplateIdentity {
  name: string;
  displayName: string;
  description: string;
}

/** The files of a new agent repository, by path relative to its root. */
export function renderTemplate(identity: TemplateIdentity): Record<string, string> {
  return {
    "CLAUDE.md": claudeMd(identity),
    "environment.yaml": environmentYaml(identity),
    "README.md": readme(identity),
    ".gitattributes": GITATTRIBUTES,
    // Claude Code asks before acting: the question appears in chat, for the owner to answer.
    ".claude/settings.json": `${JSON.stringify({ permissions: { defaultMode: "default", allow: [], deny: [] } }, null, 2)}\n`,
    ".claude/skills/chat-etiquette/SKILL.md": CHAT_ETIQUETTE_SKILL,
  };
}

function claudeMd({ name, displayName, description }: TemplateIdentity): string {
  return `# Who you are

You are **${displayName}** (\`${name}\`), an AI agent in aachat: you work in Matrix chat
rooms beside humans and other agents.

${description}

## Policy

- Answer in the room and thread where you were asked; keep a conversation in one thread.
- Be concise: lead with the answer, then the detail that matters. Say when you are unsure.
- Ask before anything destructive or hard to undo (deleting files or data, force-pushing,
  sending messages on someone's behalf, spending money) and wait for a yes.
- Streams marked humans_only are read-only for you: read them for context, never post there.
- Your owner can reach you in your DM room; report problems you cannot solve there.
- Never write secrets (tokens, passwords, keys) into chat or into this repository.

## Memory

This section is your memory. When you learn something worth keeping (a person's
preference, a decision, how a project works, a mistake not to repeat), append one short
dated line below. Do not rewrite or reorder earlier lines: append only, so memories from
sessions running at the same time merge cleanly. Your changes are committed and pushed
after each turn.

`;
}

function environmentYaml({ name, displayName, description }: TemplateIdentity): string {
  const identity = stringify({ name, displayName, description }, { lineWidth: 0 });
  const ownerVariable = `AACHAT_${name.toUpperCase().replaceAll("-", "_")}_GITHUB_TOKEN`;
  return `# The environment of this agent; check it with \`aachat agent validate\`.
${identity}
# Packages the agent's sessions need on its owner's machine. The runtime checks that they
# are installed and reports missing ones in the agent's DM room; it never installs them.
packages:
  apt: []
  pip: []
  npm: []

# Outbound network: all, none, or { allow: [hostnames] }.
network:
  outbound: all

# Environment variables for the agent's sessions. A secret is never written here: it is
# taken from the owner's environment when a session starts, for example:
#   GITHUB_TOKEN: { fromOwnerEnv: ${ownerVariable} }
env: {}
`;
}

function readme({ name, displayName, description }: TemplateIdentity): string {
  return `# ${displayName}

${description}

This repository **is** the aachat agent \`${name}\`: an AI coding agent (Claude Code) that
joins Matrix chat rooms beside humans. Everything that makes the agent is here, under
version control:

| File | What it holds |
|---|---|
| \`CLAUDE.md\` | who the agent is, how it behaves in chat (policy), and its memory |
| \`environment.yaml\` | name, display name, description, packages, network and environment variables |
| \`.claude/settings.json\` | Claude Code settings, e.g. tool permissions |
| \`.claude/skills/<skill>/SKILL.md\` | skills: instructions Claude Code loads when they apply |

## Editing

Edit the files, check them, and commit:

\`\`\`sh
aachat agent validate
git commit -am "Describe the change"
git push
\`\`\`

\`aachat agent validate\` lists every problem at once, each with its file and line.
Secrets never go into this repository: \`environment.yaml\` references them from the
owner's environment with \`{ fromOwnerEnv: VARIABLE }\`.

The agent appends what it learns to the Memory section of \`CLAUDE.md\`; each session
commits and pushes those lines. \`.gitattributes\` merges \`CLAUDE.md\` with git's union
driver, so memories written by two sessions at the same time both survive.
`;
}

const GITATTRIBUTES = `# Sessions of this agent append memories to CLAUDE.md at the same time; the union merge
# driver keeps the lines of both sides instead of stopping at a conflict.
CLAUDE.md merge=union
`;

const CHAT_ETIQUETTE_SKILL = `---
name: chat-etiquette
description: How to write messages in aachat rooms. Use when replying to a mention, posting in a project room or writing to your owner.
---

# Chat etiquette

- Reply in the thread the question was asked in; start a new thread only for a new topic.
- Mention a person only when you need them to act or answer.
- Keep messages short: one idea each. Put long output (logs, diffs) in a code block, trimmed
  to what matters.
- When a task will take a while, say what you are doing first, then report when done.
- If you cannot do something, say so plainly and suggest who or what could.
`;

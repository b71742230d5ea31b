import { z } from "zod";

/**
 * The chat tools every session's agent gets (an MCP server named `aachat`): their inputs
 * and what they are for. The MCP server process and the runtime both use these.
 */
export const chatTools = {
  send_message: {
    description:
      "Post a message in one of the projects this session covers (Markdown). Use it to speak up in a project other than the one you were asked in, or to post something new.",
    input: {
      project: z.string().min(1).describe("The project: TEAM/PROJECT, or PROJECT when the name is unambiguous."),
      text: z.string().min(1).describe("The message, in Markdown."),
    },
  },
  read_unread: {
    description:
      "Read the messages you have not read yet in the projects this session covers (or in one of them), oldest first, with their event ids for replying or reacting.",
    input: {
      project: z
        .string()
        .min(1)
        .optional()
        .describe("Only this project (TEAM/PROJECT or PROJECT); all covered projects when absent."),
      limit: z
        .number()
        .int()
        .min(1)
        .max(100)
        .optional()
        .describe("At most this many messages per project (default 30)."),
    },
  },
  reply_in_thread: {
    description: "Reply in the thread of a message, in a project this session covers.",
    input: {
      project: z.string().min(1).describe("The project: TEAM/PROJECT, or PROJECT."),
      thread_root_event_id: z
        .string()
        .regex(/^\$/)
        .describe("The event id ($…) of the message that starts the thread."),
      text: z.string().min(1).describe("The reply, in Markdown."),
    },
  },
  dm_owner: {
    description: "Send a direct message to your owner (in your DM room), e.g. to ask for something only they can give.",
    input: { text: z.string().min(1).describe("The message, in Markdown.") },
  },
  react: {
    description: "React to a message with an emoji, in a project this session covers.",
    input: {
      project: z.string().min(1).describe("The project: TEAM/PROJECT, or PROJECT."),
      event_id: z.string().regex(/^\$/).describe("The event id ($…) of the message."),
      emoji: z.string().min(1).max(16).describe("The reaction, e.g. 👍"),
    },
  },
  send_file: {
    description:
      "Post a file from your workspace in chat (an image shows as one): in the conversation you are answering, or in a project this session covers. Only files inside your workspace, of at most 20 MiB.",
    input: {
      path: z.string().min(1).max(4096).describe("The file, relative to your workspace (your working directory)."),
      project: z
        .string()
        .min(1)
        .optional()
        .describe("Post in this project (TEAM/PROJECT or PROJECT) instead of where you were asked."),
    },
  },
} as const;

export type ChatToolName = keyof typeof chatTools;
export const chatToolNames = Object.keys(chatTools) as [ChatToolName, ...ChatToolName[]];
export type ChatToolArgs<T extends ChatToolName> = z.infer<z.ZodObject<(typeof chatTools)[T]["input"]>>;

/** Parses a tool's arguments; throws a message fit for the agent when they are wrong. */
export function parseToolArgs<T extends ChatToolName>(tool: T, args: unknown): ChatToolArgs<T> {
  const parsed = z.strictObject(chatTools[tool].input).safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`bad arguments for ${tool}: ${issue?.path.join(".") || "arguments"}: ${issue?.message}`);
  }
  return parsed.data as ChatToolArgs<T>;
}

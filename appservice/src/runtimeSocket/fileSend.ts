import type { RequestFrame, RequestResult } from "@aachat/protocol";
import { agentMessageContent } from "@aachat/protocol/messageContent";
import type { Agent } from "../generated/prisma/client.ts";
import { sendAsAgent } from "../model/agentMessages.ts";
import type { ModelContext } from "../model/ModelContext.ts";

type FileSendParams = Extract<RequestFrame, { method: "file.send" }>["params"];

/**
 * Posts a file the runtime uploaded (`mxcUrl`) as the agent: an m.image for an image type,
 * else an m.file, in a thread or as a reply like the agent's messages, once per key, and
 * only in a room the agent may write in.
 */
export async function sendFileAsAgent(
  ctx: ModelContext,
  agent: Agent,
  params: FileSendParams,
): Promise<RequestResult<"file.send">> {
  const image = params.mimetype.startsWith("image/");
  // The same thread and reply relation as the agent's text messages.
  const relation = agentMessageContent({ body: "", threadRootId: params.threadRootId, replyTo: params.replyTo })[
    "m.relates_to"
  ];
  const content: Record<string, unknown> = {
    msgtype: image ? "m.image" : "m.file",
    body: params.name,
    filename: params.name,
    url: params.mxcUrl,
    info: { mimetype: params.mimetype, size: params.size },
    "m.mentions": {},
  };
  if (relation) content["m.relates_to"] = relation;
  return { eventId: await sendAsAgent(ctx, agent, params.roomId, content, `file:${params.key}`) };
}

import type { IncomingMessage } from "node:http";
import type { Request } from "express";
import type { z } from "zod";
import type { Agent } from "../generated/prisma/client.ts";
import { agentForRuntimeToken } from "../model/agents.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { bearerToken } from "./upgradeResponses.ts";

/**
 * What the runtime's plain HTTP routes (media upload and download) share: the runtime token
 * as the socket takes it, validated queries, and refusals a runtime can act on.
 */

/** A refusal with a Matrix-style error code and a message that says why. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
  }
}

/** The agent whose runtime token the request carries (`Authorization: Bearer`), or a 401. */
export async function runtimeAgent(model: ModelContext, req: Request): Promise<Agent> {
  const token = bearerToken(req as IncomingMessage);
  if (!token)
    throw new Refusal(401, "M_MISSING_TOKEN", "send the agent's runtime token as `Authorization: Bearer <token>`");
  const agent = await agentForRuntimeToken(model, token);
  if (!agent) throw new Refusal(401, "M_UNKNOWN_TOKEN", "the runtime token is unknown, rotated or revoked");
  return agent;
}

/** The request's query as `schema` reads it, or a 400 naming the first thing wrong. */
export function runtimeQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const query = schema.safeParse(req.query);
  if (!query.success) {
    const issue = query.error.issues[0];
    throw new Refusal(400, "M_INVALID_PARAM", `${issue?.path.join(".") || "query"}: ${issue?.message ?? "invalid"}`);
  }
  return query.data;
}

import type { Db } from "../db/database.ts";

/**
 * Counts agent-to-agent mentions in a row per thread (the room's main timeline is the
 * thread ""), so a chain of agents mentioning each other stops after a set number of hops.
 * A human's message in the thread starts the count again.
 *
 * Handling the same event twice after a crash may count it twice: the chain then stops one
 * hop early, which is the safe side.
 */
export function threadKey(threadRootId: string | null): string {
  return threadRootId ?? "";
}

/** Counts one more agent hop in the thread and resolves with the count. */
export async function countAgentHop(db: Db, roomId: string, thread: string): Promise<number> {
  const now = new Date();
  await db.$executeRaw`
    INSERT INTO "ThreadHops" ("roomId", "threadKey", "hops", "updatedAt") VALUES (${roomId}, ${thread}, 1, ${now})
    ON CONFLICT ("roomId", "threadKey") DO UPDATE SET "hops" = "ThreadHops"."hops" + 1, "updatedAt" = ${now}`;
  const row = await db.threadHops.findUnique({ where: { roomId_threadKey: { roomId, threadKey: thread } } });
  return row?.hops ?? 1;
}

/** A human wrote in the thread: agents may mention each other again. */
export async function resetAgentHops(db: Db, roomId: string, thread: string): Promise<void> {
  await db.$executeRaw`
    UPDATE "ThreadHops" SET "hops" = 0, "updatedAt" = ${new Date()}
    WHERE "roomId" = ${roomId} AND "threadKey" = ${thread} AND "hops" > 0`;
}

import { DomainError } from "../errors/DomainError.ts";
import type { ModelContext } from "./ModelContext.ts";

/** A person's place in a team; the API's `role` schema is its wire form. */
export type Role = "owner" | "admin" | "member";

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export function atLeast(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

export async function roleOf(ctx: ModelContext, teamId: number, userId: string): Promise<Role | undefined> {
  const member = await ctx.db.teamMember.findUnique({ where: { teamId_userId: { teamId, userId } } });
  return member?.role as Role | undefined;
}

export async function requireRole(
  ctx: ModelContext,
  teamId: number,
  slug: string,
  actor: string,
  needed: Role,
): Promise<Role> {
  const role = await roleOf(ctx, teamId, actor);
  if (!atLeast(role, needed)) {
    throw new DomainError(
      "forbidden",
      `you need the ${needed} role in team '${slug}' for this (you are ${role ?? "not a member"})`,
    );
  }
  return role!;
}

import type { Team as TeamView } from "@aachat/api";
import type { Team } from "../../generated/prisma/client.ts";
import type { Role } from "../../model/roles.ts";

export function presentTeam(team: Team, myRole: Role | undefined): TeamView {
  return {
    slug: team.slug,
    name: team.name,
    kind: team.kind as TeamView["kind"],
    spaceRoomId: team.spaceRoomId,
    myRole: myRole ?? null,
    createdAt: team.createdAt.toISOString(),
  };
}

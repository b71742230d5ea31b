import type { Stream as StreamView } from "@aachat/api";
import type { Stream, Team } from "../../generated/prisma/client.ts";

export function presentStream(stream: Stream, team: Pick<Team, "slug">): StreamView {
  return {
    team: team.slug,
    name: stream.name,
    roomId: stream.roomId,
    humansOnly: stream.humansOnly,
    archived: stream.archivedAt !== null,
    createdAt: stream.createdAt.toISOString(),
  };
}

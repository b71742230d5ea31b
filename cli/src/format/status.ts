import type { StatusResponse } from "@aachat/api";
import { indent, table } from "./table.ts";

export function renderStatus(status: StatusResponse): string {
  const teams =
    status.teams.length === 0
      ? "No teams yet. Create one with `aachat team create SLUG`"
      : table(
          ["TEAM", "KIND", "YOUR ROLE", "STREAMS", "PROJECTS"],
          status.teams.map((team) => [
            team.slug,
            team.kind,
            team.myRole ?? "-",
            String(team.streams),
            String(team.projects),
          ]),
        );
  const agents =
    status.agents.length === 0
      ? "No agents yet. Create one with `aachat agent create NAME`"
      : table(
          ["AGENT", "PROJECTS", "PENDING SIGNALS"],
          status.agents.map((agent) => [agent.name, String(agent.projects), String(agent.pendingSignals)]),
        );
  return [`Logged in as ${status.userId}`, "", "Teams", indent(teams), "", "Agents", indent(agents)].join("\n");
}

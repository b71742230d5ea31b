import type { Member, Project, Stream, Team, TeamDetail } from "@aachat/api";
import { indent, table, yesNo } from "./table.ts";

export function renderTeamList(teams: readonly Team[]): string {
  if (teams.length === 0) return "No teams yet. Create one with `aachat team create SLUG`";
  return table(
    ["TEAM", "NAME", "KIND", "YOUR ROLE"],
    teams.map((team) => [team.slug, team.name, team.kind, team.myRole ?? "-"]),
  );
}

export function renderTeam(team: Team): string {
  return `${team.slug} "${team.name}" (${team.kind}${team.myRole ? `, your role: ${team.myRole}` : ""})`;
}

export function renderTeamDetail(detail: TeamDetail): string {
  const slug = detail.team.slug;
  return [
    `Team ${renderTeam(detail.team)}`,
    `  space: ${detail.team.spaceRoomId}`,
    "",
    "Members",
    indent(renderMembers(detail.members, slug)),
    "",
    "Streams",
    indent(renderStreamList(detail.streams, slug)),
    "",
    "Projects",
    indent(renderProjectList(detail.projects, slug)),
  ].join("\n");
}

export function renderMembers(members: readonly Member[], teamRef: string): string {
  if (members.length === 0) return `No members. Add one with \`aachat team member add ${teamRef} USER --role member\``;
  return table(
    ["USER", "ROLE"],
    members.map((member) => [member.userId, member.role]),
  );
}

export function renderStreamList(streams: readonly Stream[], teamRef: string): string {
  if (streams.length === 0) return `No streams yet. Create one with \`aachat stream create NAME --team ${teamRef}\``;
  return table(
    ["STREAM", "HUMANS ONLY", "STATE", "ROOM"],
    streams.map((stream) => [stream.name, yesNo(stream.humansOnly), state(stream.archived), stream.roomId]),
  );
}

export function renderStream(stream: Stream): string {
  return `stream ${stream.name} in ${stream.team} (${stream.humansOnly ? "humans only" : "agents may post"}${stream.archived ? ", archived" : ""}), room ${stream.roomId}`;
}

export function renderProjectList(projects: readonly Project[], teamRef: string): string {
  if (projects.length === 0) {
    return `No projects yet. Create one with \`aachat project create NAME --team ${teamRef}\``;
  }
  return table(
    ["PROJECT", "AGENTS", "STATE", "ROOM"],
    projects.map((project) => [project.name, agentList(project.agents), state(project.archived), project.roomId]),
  );
}

export function renderProject(project: Project): string {
  const lines = [
    `Project ${project.name} in ${project.team}${project.archived ? " (archived)" : ""}`,
    `  room:    ${project.roomId}`,
    `  agents:  ${agentList(project.agents)}`,
  ];
  if (project.seededFrom) {
    lines.push(`  seeded:  from ${project.seededFrom.eventId} in ${project.seededFrom.roomId}`);
  }
  lines.push(`  created: ${project.createdAt}`);
  return lines.join("\n");
}

function agentList(agents: readonly string[]): string {
  return agents.length === 0 ? "-" : agents.join(", ");
}

function state(archived: boolean): string {
  return archived ? "archived" : "active";
}

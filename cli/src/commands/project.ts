import type { Command } from "commander";
import type { ApiClient, Project } from "@aachat/api";
import { printResult } from "../output.ts";
import { renderProject, renderProjectList } from "../format/teams.ts";
import { UsageError, UserError } from "../errors.ts";
import type { Credentials } from "../auth/credentials.ts";
import { joinRoom } from "../auth/homeserver.ts";
import { joinWhatYouMade } from "./landInside.ts";
import {
  addJsonOption,
  addTeamOption,
  checkAgentName,
  checkRoomName,
  loggedIn,
  type TeamOption,
} from "./apiCommand.ts";

interface ProjectAction {
  verb: string;
  description: string;
  run(api: ApiClient, team: string, name: string, credentials: Credentials): Promise<Project>;
  done(result: Project): string;
}

interface CreateOptions extends TeamOption {
  fromStream?: string;
  event?: string;
}

export function registerProject(program: Command): void {
  const project = program
    .command("project")
    .description("projects: a team's rooms for units of work, where agents take part");

  addJsonOption(addTeamOption(project.command("list").description("a team's projects"))).action(
    async (options: TeamOption) => {
      const session = await loggedIn();
      const team = session.team(options.team);
      const projects = await session.api.listProjects(team);
      printResult(options.json === true, projects, () => renderProjectList(projects, team));
    },
  );

  addJsonOption(
    addTeamOption(
      project
        .command("create")
        .description("create a project in a team, optionally seeded from a stream message")
        .argument("<name>", "lowercase letters, digits and '-'")
        .option("--from-stream <stream>", "the stream holding the message that seeds the project")
        .option("--event <eventId>", "that message's event id ($…)"),
    ),
  ).action(async (nameArg: string, options: CreateOptions) => {
    const name = checkRoomName("NAME", nameArg);
    const seed = seedOf(options);
    const session = await loggedIn();
    const created = await session.api.createProject(session.team(options.team), { name, ...(seed ? { seed } : {}) });
    await joinWhatYouMade(session.credentials, [{ roomId: created.roomId, what: `project ${created.name}` }]);
    printResult(
      options.json === true,
      created,
      () => `Created project ${created.name} in ${created.team}, room ${created.roomId}`,
    );
  });

  const actions: ProjectAction[] = [
    {
      verb: "show",
      description: "a project with its agents",
      run: (api, team, name) => api.getProject(team, name),
      done: renderProject,
    },
    {
      verb: "archive",
      description: "archive a project: it stays readable, its agents get no more signals from it",
      run: (api, team, name) => api.archiveProject(team, name),
      done: (result) => `Archived project ${result.name} in ${result.team}.`,
    },
    {
      verb: "join",
      description: "join a project's room yourself",
      // The server invites; accepting is the user's own act, with their Matrix login.
      run: async (api, team, name, credentials) => {
        const project = await api.joinProject(team, name);
        await joinRoom(credentials.homeserverUrl, credentials.accessToken, project.roomId);
        return project;
      },
      done: (result) => `Joined project ${result.name} in ${result.team} (room ${result.roomId}).`,
    },
  ];
  for (const action of actions) {
    addJsonOption(
      addTeamOption(project.command(action.verb).description(action.description).argument("<name>", "the project")),
    ).action(async (nameArg: string, options: TeamOption) => {
      const name = checkRoomName("NAME", nameArg);
      const session = await loggedIn();
      const result = await action.run(session.api, session.team(options.team), name, session.credentials);
      printResult(options.json === true, result, () => action.done(result));
    });
  }

  for (const [verb, description] of [
    ["add-agent", "make one of your agents a member of a project"],
    ["remove-agent", "take an agent out of a project"],
  ] as const) {
    addJsonOption(
      addTeamOption(
        project
          .command(verb)
          .description(description)
          .argument("<name>", "the project")
          .argument("<agent>", "the agent's name"),
      ),
    ).action(async (nameArg: string, agentArg: string, options: TeamOption) => {
      const name = checkRoomName("NAME", nameArg);
      const agent = checkAgentName("AGENT", agentArg);
      const session = await loggedIn();
      const team = session.team(options.team);
      const result =
        verb === "add-agent"
          ? await session.api.addProjectAgent(team, name, agent)
          : await session.api.removeProjectAgent(team, name, agent);
      printResult(options.json === true, result, () =>
        verb === "add-agent"
          ? `Added agent ${agent} to project ${result.name} in ${result.team}.`
          : `Removed agent ${agent} from project ${result.name} in ${result.team}.`,
      );
    });
  }
}

function seedOf(options: CreateOptions): { stream: string; eventId: string } | undefined {
  if (options.fromStream === undefined && options.event === undefined) return undefined;
  if (options.fromStream === undefined || options.event === undefined) {
    throw new UserError("pass --from-stream and --event together: the stream and the id of the message in it");
  }
  const stream = checkRoomName("--from-stream", options.fromStream);
  if (!options.event.startsWith("$"))
    throw new UsageError(`--event '${options.event}' is not an event id (they start with '$')`);
  return { stream, eventId: options.event };
}

import type { Command } from "commander";
import { teamRef, teamSlug } from "@aachat/api";
import { printResult } from "../output.ts";
import { renderTeam, renderTeamDetail, renderTeamList } from "../format/teams.ts";
import { joinWhatYouMade } from "./landInside.ts";
import {
  addJsonOption,
  checked,
  checkRole,
  checkText,
  confirmByTyping,
  loggedIn,
  type JsonOption,
} from "./apiCommand.ts";

const NAME_MAX = 100;

export function registerTeam(program: Command): void {
  const team = program.command("team").description("teams: organisation teams and your personal team ~you");

  addJsonOption(team.command("list").description("the teams you belong to")).action(async (options: JsonOption) => {
    const { api } = await loggedIn();
    const teams = await api.listTeams();
    printResult(options.json === true, teams, () => renderTeamList(teams));
  });

  addJsonOption(
    team
      .command("create")
      .description("create an organisation team (you become its owner)")
      .argument("<slug>", "its short name, used in commands: lowercase letters, digits and '-'")
      .option("--name <name>", "its display name (default: the slug)"),
  ).action(async (slugArg: string, options: JsonOption & { name?: string }) => {
    const slug = checked("SLUG", slugArg, teamSlug);
    const name = options.name === undefined ? undefined : checkText("--name", options.name, NAME_MAX);
    const { api, credentials } = await loggedIn();
    const created = await api.createTeam({ slug, ...(name === undefined ? {} : { name }) });
    await joinWhatYouMade(credentials, [{ roomId: created.spaceRoomId, what: `team ${created.slug}'s space` }]);
    printResult(options.json === true, created, () => `Created team ${renderTeam(created)}`);
  });

  addJsonOption(
    team
      .command("show")
      .description("a team with its members, streams and projects")
      .argument("<team>", "slug or ~username"),
  ).action(async (teamArg: string, options: JsonOption) => {
    const ref = checked("TEAM", teamArg, teamRef);
    const { api } = await loggedIn();
    const detail = await api.getTeam(ref);
    printResult(options.json === true, detail, () => renderTeamDetail(detail));
  });

  addJsonOption(
    team
      .command("rename")
      .description("change a team's display name (its slug stays)")
      .argument("<team>", "slug or ~username")
      .argument("<name>", "the new display name"),
  ).action(async (teamArg: string, nameArg: string, options: JsonOption) => {
    const ref = checked("TEAM", teamArg, teamRef);
    const name = checkText("NAME", nameArg, NAME_MAX);
    const { api } = await loggedIn();
    const renamed = await api.renameTeam(ref, { name });
    printResult(options.json === true, renamed, () => `Renamed team ${renderTeam(renamed)}`);
  });

  addJsonOption(
    team
      .command("delete")
      .description("delete an organisation team with its space, streams and projects")
      .argument("<team>", "the team's slug")
      .option("-y, --yes", "do not ask to type the slug"),
  ).action(async (teamArg: string, options: JsonOption & { yes?: boolean }) => {
    const ref = checked("TEAM", teamArg, teamRef);
    const { api } = await loggedIn();
    await confirmByTyping({
      yes: options.yes,
      name: ref,
      what: `the team ${ref} with all its streams and projects`,
      refusal: "pass --yes to delete a team non-interactively",
    });
    await api.deleteTeam(ref, { confirm: ref });
    if (!options.json) process.stdout.write(`Deleted team ${ref}.\n`);
  });

  registerMember(team);
}

function registerMember(team: Command): void {
  const member = team.command("member").description("a team's members and their roles (owner, admin, member)");

  for (const [verb, description, done] of [
    ["add", "add someone to a team", "Added"],
    ["set", "change a member's role", "Set"],
  ] as const) {
    const command = member
      .command(verb)
      .description(description)
      .argument("<team>", "slug or ~username")
      .argument("<user>", "@user:server, or a bare user name on your own server");
    if (verb === "add") command.option("--role <role>", "owner, admin or member", "member");
    else command.requiredOption("--role <role>", "owner, admin or member");
    addJsonOption(command).action(async (teamArg: string, userArg: string, options: JsonOption & { role: string }) => {
      const ref = checked("TEAM", teamArg, teamRef);
      const role = checkRole(options.role);
      const session = await loggedIn();
      const userId = session.userId(userArg);
      const result = await session.api.setMember(ref, userId, { role });
      printResult(options.json === true, result, () =>
        verb === "add"
          ? `${done} ${result.userId} to ${ref} as ${result.role}.`
          : `${done} ${result.userId}'s role in ${ref} to ${result.role}.`,
      );
    });
  }

  addJsonOption(
    member
      .command("remove")
      .description("remove someone from a team (they leave its space and rooms)")
      .argument("<team>", "slug or ~username")
      .argument("<user>", "@user:server, or a bare user name on your own server"),
  ).action(async (teamArg: string, userArg: string, options: JsonOption) => {
    const ref = checked("TEAM", teamArg, teamRef);
    const session = await loggedIn();
    const userId = session.userId(userArg);
    await session.api.removeMember(ref, userId);
    if (!options.json) process.stdout.write(`Removed ${userId} from ${ref}.\n`);
  });
}

import { Option, type Command } from "commander";
import { printResult } from "../output.ts";
import { renderStream, renderStreamList } from "../format/teams.ts";
import { UserError } from "../errors.ts";
import { addJsonOption, addTeamOption, checkRoomName, loggedIn, type TeamOption } from "./apiCommand.ts";
import { joinWhatYouMade } from "./landInside.ts";

export function registerStream(program: Command): void {
  const stream = program
    .command("stream")
    .description("streams: a team's rooms for casual chat and ideas (humans only by default)");

  addJsonOption(addTeamOption(stream.command("list").description("a team's streams"))).action(
    async (options: TeamOption) => {
      const session = await loggedIn();
      const team = session.team(options.team);
      const streams = await session.api.listStreams(team);
      printResult(options.json === true, streams, () => renderStreamList(streams, team));
    },
  );

  addJsonOption(
    addTeamOption(
      stream
        .command("create")
        .description("create a stream in a team")
        .argument("<name>", "lowercase letters, digits and '-'")
        .option("--no-humans-only", "let agents post in it too"),
    ),
  ).action(async (nameArg: string, options: TeamOption & { humansOnly: boolean }) => {
    const name = checkRoomName("NAME", nameArg);
    const session = await loggedIn();
    const team = session.team(options.team);
    const created = await session.api.createStream(team, { name, humansOnly: options.humansOnly });
    await joinWhatYouMade(session.credentials, [{ roomId: created.roomId, what: `stream ${created.name}` }]);
    printResult(options.json === true, created, () => `Created ${renderStream(created)}`);
  });

  addJsonOption(
    addTeamOption(
      stream
        .command("archive")
        .description("archive a stream: it stays readable, nobody posts any more")
        .argument("<name>", "the stream"),
    ),
  ).action(async (nameArg: string, options: TeamOption) => {
    const name = checkRoomName("NAME", nameArg);
    const session = await loggedIn();
    const archived = await session.api.archiveStream(session.team(options.team), name);
    printResult(options.json === true, archived, () => `Archived ${renderStream(archived)}`);
  });

  addJsonOption(
    addTeamOption(
      stream
        .command("set")
        .description("switch whether agents may post in a stream")
        .argument("<name>", "the stream")
        .addOption(new Option("--humans-only", "only humans may post (agents may still read)"))
        .addOption(new Option("--no-humans-only", "agents may post too")),
    ),
  ).action(async (nameArg: string, options: TeamOption & { humansOnly?: boolean }) => {
    const name = checkRoomName("NAME", nameArg);
    if (options.humansOnly === undefined) throw new UserError("pass --humans-only or --no-humans-only");
    const session = await loggedIn();
    const updated = await session.api.updateStream(session.team(options.team), name, {
      humansOnly: options.humansOnly,
    });
    printResult(options.json === true, updated, () => `Updated ${renderStream(updated)}`);
  });
}

import { PROTOCOL_VERSION, commands, type CommandFrame, type Failure, type RuntimeFrame } from "@aachat/protocol";
import type { Logger } from "pino";
import { CommandError } from "./errors.ts";

/**
 * Carries out one of the owner's commands and makes its answer: the result checked against
 * the command's schema, or its failure (a CommandError's own, or `internal` for anything else).
 */
export async function commandReply(
  frame: CommandFrame,
  onCommand: ((command: CommandFrame) => Promise<unknown>) | undefined,
  log: Logger,
): Promise<RuntimeFrame> {
  try {
    if (!onCommand) throw new CommandError({ code: "unavailable", message: "this runtime takes no commands" });
    const result = commands[frame.name].result.parse(await onCommand(frame));
    return { v: PROTOCOL_VERSION, type: "command_result", id: frame.id, ok: true, result };
  } catch (error) {
    const failure: Failure =
      error instanceof CommandError ? error.failure : { code: "internal", message: (error as Error).message };
    if (!(error instanceof CommandError))
      log.child({ command: frame.name, id: frame.id }).error({ err: error }, "a command failed");
    return { v: PROTOCOL_VERSION, type: "command_result", id: frame.id, ok: false, error: failure };
  }
}

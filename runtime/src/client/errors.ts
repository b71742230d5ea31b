import type { Failure } from "@aachat/protocol";

/** The appservice refused the runtime token (HTTP 401 at upgrade, or close code `credentialsChanged`). */
export class RuntimeAuthError extends Error {
  override readonly name = "RuntimeAuthError";
  constructor(agentName?: string) {
    super(`the runtime token was refused; make a new one with \`aachat agent token rotate ${agentName ?? "NAME"}\``);
  }
}

/** A newer runtime connection of the same agent took over (close code `replaced`): this runtime is displaced. */
export class RuntimeReplacedError extends Error {
  override readonly name = "RuntimeReplacedError";
  /** When it happened. */
  readonly at = new Date().toISOString();
  constructor(agentName?: string) {
    const agent = agentName ?? "NAME";
    super(
      `displaced: another runtime connected with the token of agent ${agent} and replaced this one, which stops ` +
        `and will not reconnect. If that wasn't you, rotate the token: \`aachat agent token rotate ${agent}\``,
    );
  }
}

/** The appservice refused a request, or it could not be answered. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(
    readonly method: string,
    readonly failure: Failure,
  ) {
    super(`${method}: ${failure.message}`);
  }
}

/** A command the runtime could not carry out; its failure goes back to whoever asked. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

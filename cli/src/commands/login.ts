import { Option, type Command } from "commander";
import { ApiClient, type MeResponse } from "@aachat/api";
import { credentialsFile, writeCredentials, type Credentials } from "../auth/credentials.ts";
import { loginWithPassword, logout, whoami, type HomeserverLogin } from "../auth/homeserver.ts";
import { UsageError, UserError } from "../errors.ts";
import { printResult } from "../output.ts";
import { ask, askHidden, isInteractive, readStdin } from "../prompt.ts";
import { DEFAULT_HOMESERVER_URL, DEFAULT_SERVER_URL, localStackUrls } from "../stack/localStack.ts";
import { resolveDataDir, stackPaths } from "../stack/paths.ts";
import { addJsonOption } from "./apiCommand.ts";
import { joinWhatYouMade, markAgentDms } from "./landInside.ts";

interface LoginOptions {
  homeserver?: string;
  server?: string;
  user?: string;
  passwordStdin?: boolean;
  token?: string;
  json?: boolean;
}

export function registerLogin(program: Command): void {
  const command = program
    .command("login")
    .description("log in to the homeserver and the aachat server (makes your personal team on first login)")
    .option("--homeserver <url>", `the Matrix homeserver (default: the local stack's, else ${DEFAULT_HOMESERVER_URL})`)
    .option(
      "--server <url>",
      `the aachat server, its HTTP API (default: the local stack's, else ${DEFAULT_SERVER_URL})`,
    )
    .option("-u, --user <user>", "your user name, or full user id @user:server")
    .option("--password-stdin", "read the password from stdin instead of asking for it")
    .addOption(
      new Option("--token <token>", "use an access token you already have instead of a password").conflicts(
        "passwordStdin",
      ),
    )
    .addHelpText("after", `\nThe login is stored in ${credentialsFile()} (readable by you only).`);
  addJsonOption(command).action(async (options: LoginOptions) => {
    for (const [flag, url] of [
      ["--homeserver", options.homeserver],
      ["--server", options.server],
    ] as const) {
      if (url !== undefined && !/^https?:\/\/[^/]+/.test(url)) {
        throw new UsageError(`${flag} '${url}' is not an http(s) URL`);
      }
    }
    // Without both URLs given, the stack `npm start` runs here (on whatever ports it was given).
    const local =
      options.homeserver === undefined || options.server === undefined
        ? await localStackUrls(stackPaths(resolveDataDir(undefined)))
        : undefined;
    const homeserverUrl = (options.homeserver ?? local?.homeserverUrl ?? DEFAULT_HOMESERVER_URL).replace(/\/+$/, "");
    const serverUrl = (options.server ?? local?.serverUrl ?? DEFAULT_SERVER_URL).replace(/\/+$/, "");
    const login =
      options.token === undefined
        ? await passwordLogin(homeserverUrl, options)
        : await tokenLogin(homeserverUrl, options.token, options.user);
    const credentials: Credentials = { homeserverUrl, serverUrl, ...login };
    const api = new ApiClient({ serverUrl, accessToken: login.accessToken });
    let me: MeResponse;
    try {
      // The first call makes the personal team, so a login is only stored once the server knows the user.
      me = await api.me();
    } catch (error) {
      if (options.token === undefined) await logout(homeserverUrl, login.accessToken).catch(() => undefined);
      throw error;
    }
    await writeCredentials(credentials);
    await joinWhatYouMade(credentials, [{ roomId: me.personalTeam.spaceRoomId, what: "your personal team's space" }]);
    await markAgentDms(credentials, api);
    printResult(options.json === true, me, () => `Logged in as ${me.userId} (personal team ${me.personalTeam.slug})`);
  });
}

async function passwordLogin(homeserverUrl: string, options: LoginOptions): Promise<HomeserverLogin> {
  const user = options.user ?? (isInteractive() && !options.passwordStdin ? (await ask("User: ")).trim() : undefined);
  if (!user) throw new UserError("pass your user name with -u USER (or an access token with --token)");
  let password: string;
  if (options.passwordStdin) password = await readStdin();
  else if (isInteractive()) password = await askHidden(`Password for ${user}: `);
  else throw new UserError("no terminal to ask for the password: pass --password-stdin and pipe it in");
  if (password === "") throw new UserError("the password is empty");
  return loginWithPassword(homeserverUrl, user, password);
}

async function tokenLogin(homeserverUrl: string, token: string, user: string | undefined): Promise<HomeserverLogin> {
  const login = await whoami(homeserverUrl, token);
  if (user !== undefined && user !== login.userId && !login.userId.startsWith(`@${user}:`)) {
    throw new UserError(`the token belongs to ${login.userId}, not ${user}`);
  }
  return login;
}

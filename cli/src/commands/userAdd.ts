import { randomBytes } from "node:crypto";
import { readRegistrationSharedSecret, registerUser, RegistrationError, UserExistsError } from "@aachat/synapse";
import { UsageError, UserError } from "../errors.ts";
import { askHidden, isInteractive, readStdin } from "../prompt.ts";
import { runningStack } from "../stack/localStack.ts";
import type { StackPaths } from "../stack/paths.ts";

/** Synapse's rule for the local part of a user id it creates (before `:server`). */
const LOCALPART = /^[a-z0-9._=\-/+]+$/;
/** The appservice's exclusive namespace: the homeserver refuses these names to anyone else. */
const AGENT_PREFIX = "agent_";

const OWN_HOMESERVER_HINT =
  "`aachat user add` works against the embedded homeserver of `aachat up`; on your own homeserver use its admin tools " +
  "(Synapse: register_new_matrix_user or the admin API)";

export interface PasswordSource {
  password?: string;
  passwordStdin?: boolean;
}

export interface AddedUser {
  userId: string;
  homeserverUrl: string;
  admin: boolean;
  /** Only when aachat made the password up: shown once, stored nowhere. */
  generatedPassword?: string;
}

/** Checks a name before anything is asked or sent; a bad one is a usage error. */
export function checkUserName(name: string): string {
  if (name.startsWith("@")) {
    throw new UsageError(`give the user name without '@' and server: e.g. alice, not @alice:example.org`);
  }
  const localpart = name;
  if (!LOCALPART.test(localpart)) {
    throw new UsageError(
      `'${name}' is not a valid user name: use lower-case letters, digits and . _ = - / + (e.g. alice)`,
    );
  }
  if (localpart.startsWith(AGENT_PREFIX)) {
    throw new UsageError(`'${localpart}' is reserved: names starting with '${AGENT_PREFIX}' belong to aachat's agents`);
  }
  return localpart;
}

/**
 * Where the new user's password comes from: the option, stdin, the terminal (empty for a
 * generated one), or, with no terminal to ask, a generated one that is printed once.
 */
export async function choosePassword(
  source: PasswordSource,
  name: string,
): Promise<{ password: string; generated: boolean }> {
  let password = source.password;
  if (source.passwordStdin) password = await readStdin();
  else if (password === undefined && isInteractive()) {
    password = await askHidden(`Password for ${name} (empty: make one up): `);
    if (password !== "" && (await askHidden("Again: ")) !== password) {
      throw new UserError("the passwords differ; nothing was changed");
    }
    if (password === "") password = undefined;
  }
  if (password === "") throw new UsageError("the password is empty");
  if (password !== undefined) return { password, generated: false };
  return { password: randomBytes(12).toString("base64url"), generated: true };
}

/** The homeserver URL and shared secret of the running embedded stack, or a clear reason why there are none. */
export async function embeddedHomeserver(paths: StackPaths): Promise<{ homeserverUrl: string; sharedSecret: string }> {
  const running = await runningStack(paths);
  if (!running) {
    throw new UserError(
      `no aachat stack is running on ${paths.root}: start it with \`aachat up\` (or pass its --data-dir). ${OWN_HOMESERVER_HINT}.`,
    );
  }
  const sharedSecret = await readRegistrationSharedSecret(paths.synapseDir);
  if (!sharedSecret) {
    throw new UserError(
      `the homeserver in ${paths.synapseDir} has no registration_shared_secret. ${OWN_HOMESERVER_HINT}.`,
    );
  }
  return { homeserverUrl: running.homeserverUrl, sharedSecret };
}

export async function addUser(options: {
  paths: StackPaths;
  localpart: string;
  admin: boolean;
  password: PasswordSource;
}): Promise<AddedUser> {
  const { homeserverUrl, sharedSecret } = await embeddedHomeserver(options.paths);
  const { password, generated } = await choosePassword(options.password, options.localpart);
  try {
    const { userId } = await registerUser({
      homeserverUrl,
      sharedSecret,
      username: options.localpart,
      password,
      admin: options.admin,
    });
    return { userId, homeserverUrl, admin: options.admin, ...(generated ? { generatedPassword: password } : {}) };
  } catch (error) {
    if (error instanceof UserExistsError) {
      throw new UserError(
        `'${options.localpart}' is taken on ${homeserverUrl}: pick another name (nothing was changed)`,
      );
    }
    if (error instanceof RegistrationError) throw new UserError(error.message);
    throw error;
  }
}

import { MIN_PYTHON_TEXT, SYNAPSE_VERSION } from "./version.ts";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

const INSTALL_PYTHON_HINT =
  `Install Python ${MIN_PYTHON_TEXT} or newer (Debian/Ubuntu: "apt install python3 python3-venv"; ` +
  `macOS: "brew install python"; or pyenv), then put it on PATH or set AACHAT_PYTHON=/path/to/python3.`;

export class PythonMissingError extends UserFacingError {
  override name = "PythonMissingError";
  constructor(detail: string) {
    super(
      `No usable Python found: ${detail}. Synapse ${SYNAPSE_VERSION} needs Python >= ${MIN_PYTHON_TEXT}. ${INSTALL_PYTHON_HINT}`,
    );
  }
}

export class PythonTooOldError extends UserFacingError {
  override name = "PythonTooOldError";
  constructor(readonly found: { path: string; version: string }[]) {
    const list = found.map((f) => `${f.path} (${f.version})`).join(", ");
    super(
      `Python is too old: found ${list}, but Synapse ${SYNAPSE_VERSION} needs Python >= ${MIN_PYTHON_TEXT}. ${INSTALL_PYTHON_HINT}`,
    );
  }
}

export class SynapseInstallError extends UserFacingError {
  override name = "SynapseInstallError";
  constructor(
    what: string,
    readonly logPath: string | undefined,
    readonly logTail: string,
  ) {
    super(
      `Installing Synapse ${SYNAPSE_VERSION} failed: ${what}.` +
        (logPath ? ` Full log: ${logPath}.` : "") +
        (logTail ? `\nLast lines:\n${logTail}` : "") +
        `\nCheck that PyPI is reachable (pip honours PIP_INDEX_URL / PIP_FIND_LINKS) and retry; a failed install leaves nothing behind.`,
    );
  }
}

export class SynapseConfigError extends UserFacingError {
  override name = "SynapseConfigError";
}

export class SynapseStartError extends UserFacingError {
  override name = "SynapseStartError";
  constructor(
    what: string,
    readonly logPath: string,
    readonly stdoutLogPath: string,
    readonly logTail: string,
  ) {
    super(
      `Synapse failed to start: ${what}.\n` +
        `Homeserver log: ${logPath}\nProcess output: ${stdoutLogPath}\n` +
        (logTail ? `Last log lines:\n${logTail}` : "Synapse wrote nothing to either log."),
    );
  }
}

export class HomeserverNotReadyError extends UserFacingError {
  override name = "HomeserverNotReadyError";
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly lastProblem: string,
  ) {
    super(
      `Homeserver at ${url} did not answer GET /_matrix/client/versions with 200 within ${Math.round(timeoutMs / 1000)} s ` +
        `(last attempt: ${lastProblem}). Check that it is running and reachable at that address.`,
    );
  }
}

export class PortInUseError extends UserFacingError {
  override name = "PortInUseError";
  constructor(
    readonly host: string,
    readonly port: number,
    hint = "",
  ) {
    super(
      `Port ${host}:${port} is already in use, so Synapse cannot listen there. Stop the other process or choose another port.${hint ? ` ${hint}` : ""}`,
    );
  }
}

export class UserExistsError extends Error {
  override name = "UserExistsError";
  constructor(readonly username: string) {
    super(
      `Cannot register "${username}": the user already exists on the homeserver (M_USER_IN_USE). Log in as that user or pick another username.`,
    );
  }
}

export class RegistrationError extends Error {
  override name = "RegistrationError";
  constructor(
    readonly username: string,
    detail: string,
    readonly status?: number,
    readonly errcode?: string,
  ) {
    const http = status === undefined ? "" : ` (HTTP ${status}${errcode ? ` ${errcode}` : ""})`;
    super(`Registering "${username}" through the shared-secret admin API failed${http}: ${detail}`);
  }
}

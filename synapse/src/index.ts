export { MIN_PYTHON, SYNAPSE_VERSION } from "./version.ts";
export { findPython, type PythonInfo } from "./python.ts";
export { defaultVenvDir, ensureSynapseInstalled, venvPython, type InstallOptions } from "./install.ts";
export type { SynapseConfigOptions } from "./overrides.ts";
export { ensureSynapseConfig, readRegistrationSharedSecret, type SynapseConfig } from "./config.ts";
export { startSynapse, type RunningSynapse } from "./process.ts";
export { isSynapseOf, stopLeftoverSynapses, synapseProcessesOf } from "./leftover.ts";
export { commandLineOf, readPidFile } from "./process-info.ts";
export { waitForHomeserver } from "./wait-ready.ts";
export { computeRegistrationMac, registerUser, type RegisterUserOptions, type RegisteredUser } from "./register.ts";
export { findFreePort, isPortFree } from "./ports.ts";
export { buildLogConfig } from "./log-config.ts";
export { runCommand, type CommandResult } from "./run-command.ts";
export { endingWithThisProcess } from "./parent-death.ts";
export {
  HomeserverNotReadyError,
  PortInUseError,
  PythonMissingError,
  PythonTooOldError,
  RegistrationError,
  SynapseConfigError,
  SynapseInstallError,
  SynapseStartError,
  UserExistsError,
} from "./errors.ts";

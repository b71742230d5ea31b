export { AgentRepoError, GitCommandError } from "./AgentRepoError.ts";
export { AGENT_NAME_PATTERN, AGENT_NAME_RULE } from "./agentName.ts";
export { runGit } from "./git/runGit.ts";

export { scaffoldAgentRepo } from "./scaffoldAgentRepo.ts";
export type { ScaffoldOptions, ScaffoldResult } from "./scaffoldAgentRepo.ts";

export { validateAgentRepo } from "./validation/validateAgentRepo.ts";
export type { AgentIdentity, ValidationResult } from "./validation/ValidationResult.ts";
export { formatProblems } from "./validation/Problem.ts";
export type { Problem } from "./validation/Problem.ts";

export { environmentSchema } from "./environment/environmentSchema.ts";
export type { AgentEnvironment, OwnerEnvReference, PackageManager } from "./environment/environmentSchema.ts";
export { isSecretLookingName } from "./environment/secretNames.ts";
export { prepareSessionEnvironment } from "./environment/prepareSessionEnvironment.ts";
export type { SessionEnvironment } from "./environment/prepareSessionEnvironment.ts";
export { findMissingPackages } from "./environment/findMissingPackages.ts";
export type { MissingPackage } from "./environment/findMissingPackages.ts";
export { describeMissing } from "./environment/describeMissing.ts";
export type { MissingRequirements } from "./environment/describeMissing.ts";

export { cloneAgentRepo, CloneError } from "./cloneAgentRepo.ts";
export { setPushRemote } from "./setPushRemote.ts";

export { createWorkspace } from "./workspace/createWorkspace.ts";
export { removeWorkspace } from "./workspace/removeWorkspace.ts";
export type { RemovedWorkspace, RemoveWorkspaceOptions } from "./workspace/removeWorkspace.ts";
export { workspaceLocation, type WorkspaceLocation } from "./workspace/workspacePaths.ts";

export { MemoryPublisher } from "./memory/MemoryPublisher.ts";
export type { MemoryPublisherOptions } from "./memory/MemoryPublisher.ts";
export { MemoryPublishError } from "./memory/MemoryPublishError.ts";
export type { PublishResult } from "./memory/PublishResult.ts";

import type { AgentEnvironment } from "../environment/environmentSchema.ts";
import type { Problem } from "./Problem.ts";

/** Who the agent says it is, from `environment.yaml` (only the fields that are valid). */
export interface AgentIdentity {
  name?: string;
  displayName?: string;
  description?: string;
  avatar?: string;
}

export interface ValidationResult {
  ok: boolean;
  /** Every problem found, sorted by file then line. */
  problems: Problem[];
  identity: AgentIdentity;
  /** `environment.yaml` as read, when it is valid. */
  environment?: AgentEnvironment;
}

import path from "node:path";
import { cloneAgentRepo } from "../../src/index.ts";
import { agentFixture } from "./agentFixture.ts";
import { bareRemoteOf } from "./bareRemote.ts";
import { makeTempDir } from "./tempDirs.ts";

export interface AgentWithRemote {
  /** The agent repository, as the runtime has it: a clone whose origin is `remote`. */
  repoDir: string;
  remote: string;
}

export async function agentWithRemote(): Promise<AgentWithRemote> {
  const remote = await bareRemoteOf(await agentFixture());
  const repoDir = path.join(await makeTempDir("agent"), "helper");
  await cloneAgentRepo(remote, repoDir);
  return { repoDir, remote };
}

import path from "node:path";
import { git } from "./git.ts";
import { makeTempDir } from "./tempDirs.ts";

/** A bare repository holding `sourceRepo`'s main, standing in for the agent's GitHub remote. */
export async function bareRemoteOf(sourceRepo: string): Promise<string> {
  const remote = path.join(await makeTempDir("remote"), "helper.git");
  await git(path.dirname(remote), "clone", "--quiet", "--bare", sourceRepo, remote);
  return remote;
}

import { writeFile } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { registerUser } from "@aachat/synapse";
import { uniqueName } from "../support/api.ts";
import { scratchDir } from "../support/runtimeScene.ts";
import { startAppserviceProcess } from "../support/appservice.ts";
import type { CliProcess } from "../support/cli.ts";
import { CliUser } from "../support/faults/cliUser.ts";
import { expectEveryMessageAnsweredOnce, FAULTS_ARTIFACTS_DIR } from "../support/faults/faultRun.ts";
import { HttpHuman } from "../support/faults/httpHuman.ts";
import { MentionLoad } from "../support/faults/mentionLoad.ts";
import { PostgresServer } from "../support/postgresServer.ts";

/**
 * The appservice on a PostgreSQL server of its own, which the test restarts (a fast
 * shutdown cuts every connection) three times under a steady stream of messages: the
 * appservice rides it out by itself, and every message is answered exactly once.
 */
describe("the appservice's PostgreSQL restarted", { timeout: 900_000 }, () => {
  let postgres: PostgresServer;
  let appservice: { url: string; process: CliProcess };
  let user: CliUser;

  beforeAll(async () => {
    postgres = await PostgresServer.start();
    const url = await postgres.createDatabase(`faults_${randomBytes(4).toString("hex")}`);
    appservice = await startAppserviceProcess({ kind: "postgresql", url });
  });

  afterAll(async () => {
    await user?.stopRuntimes();
    await appservice?.process.stop("SIGTERM");
    await postgres?.stop();
  });

  it("PostgreSQL restarted: the appservice carries on by itself and every message is answered once", async () => {
    const stack = inject("stack");
    const registered = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username: uniqueName("owner"),
      password: randomBytes(12).toString("hex"),
    });
    const owner = new HttpHuman(stack.homeserverUrl, registered.userId, registered.accessToken);
    user = CliUser.create(await scratchDir("faults-postgres"));
    const target = await user.agentInProject(
      owner,
      { homeserverUrl: stack.homeserverUrl, serverUrl: appservice.url },
      { team: uniqueName("chaos"), project: "load", agent: uniqueName("steady"), displayName: "Steady" },
    );
    await expectEveryMessageAnsweredOnce(new MentionLoad(owner, target), {
      name: "restart PostgreSQL",
      inject: () => postgres.restart(),
      recover: async () => {
        const { exitCode } = appservice.process.process;
        if (exitCode !== null) {
          await writeFile(path.join(FAULTS_ARTIFACTS_DIR, "postgres-appservice.log"), appservice.process.stderr());
          throw new Error(`the appservice exited (${exitCode}): its log is in ${FAULTS_ARTIFACTS_DIR}`);
        }
      },
    });
  });
});

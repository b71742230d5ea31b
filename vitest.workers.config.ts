import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// `npm run test:workers`: the end-to-end checks that matter, against Synapse split into
// workers behind nginx (test/support/workerTopology.ts), with the appservice on PostgreSQL.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/workers/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    globalSetup: ["test/setup/workers.globalSetup.ts"],
    env: { AACHAT_TEST_DATABASE: "postgresql" },
  },
});

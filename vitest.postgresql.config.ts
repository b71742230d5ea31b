import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// The second pass of `npm test`: the appservice's database-facing tests again, with the
// appservice on a real PostgreSQL server (started for the run) instead of SQLite, and
// the tests that only make sense on PostgreSQL.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "appservice/test/**/*.test.ts",
      "test/e2e/**/*.test.ts",
      "test/faults/appservice.test.ts",
      "**/*.postgresql.test.ts",
    ],
    exclude: ["**/node_modules/**", "appservice/test/schema-drift.test.ts"],
    globalSetup: ["test/setup/synapse.globalSetup.ts", "test/setup/postgres.globalSetup.ts"],
    env: { AACHAT_TEST_DATABASE: "postgresql" },
  },
});

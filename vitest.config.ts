import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "{synapse,protocol,api,appservice,agent-repo,runtime,cli,bench,admin-ui}/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    // The tests of PostgreSQL itself run in the second pass (vitest.postgresql.config.ts), those
    // of Synapse with workers in their own run (vitest.workers.config.ts).
    exclude: ["**/node_modules/**", "**/*.postgresql.test.ts", "test/workers/**"],
    // One real Synapse for the whole run, shared by every test file.
    globalSetup: ["test/setup/synapse.globalSetup.ts"],
    setupFiles: ["test/setup/node20.ts", "test/setup/isolateHome.ts"],
    // Test files share that Synapse and the appservice registration it loaded, so they
    // run one at a time; each test makes its own users and rooms.
    fileParallelism: false,
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 240_000,
    reporters: ["default"],
    // Only libraries write to the console (the project's code lints against it): matrix-js-sdk
    // prints its debug lines there. Keep its warnings and errors (stderr), drop the rest.
    onConsoleLog: (_log, type) => type === "stderr",
  },
});

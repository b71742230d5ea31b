import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{synapse,appservice,agent-repo,cli,bench}/test/**/*.test.ts", "test/**/*.test.ts"],
    // One real Synapse for the whole run, shared by every test file.
    globalSetup: ["test/setup/synapse.globalSetup.ts"],
    setupFiles: ["test/setup/node20.ts"],
    // Test files share that Synapse and the appservice registration it loaded, so they
    // run one at a time; each test makes its own users and rooms.
    fileParallelism: false,
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 240_000,
    reporters: ["default"],
    // matrix-js-sdk writes some of its own debug lines straight to the console.
    onConsoleLog: (log) => !log.startsWith("[MatrixRTCSession"),
  },
});

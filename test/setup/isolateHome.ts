import path from "node:path";
import { inject } from "vitest";

// Nothing a test runs may touch the user's own aachat state: the agents' runtimes (their
// tokens, journals, sockets) live under the test run's work directory, as do the CLI's
// login and agent repositories unless a test gives its own.
const workDir = inject("stack").workDir;
process.env.AACHAT_RUNTIME_DIR ??= path.join(workDir, "runtimes");
process.env.AACHAT_CONFIG_DIR ??= path.join(workDir, "config");
process.env.AACHAT_AGENTS_DIR ??= path.join(workDir, "agents");

import type { Command } from "commander";
import { credentialsFile, deleteCredentials, readCredentials } from "../auth/credentials.ts";
import { logout } from "../auth/homeserver.ts";
import { progress } from "../output.ts";

export function registerLogout(program: Command): void {
  program
    .command("logout")
    .description("end the stored login's session on the homeserver and forget it")
    .action(async () => {
      const file = credentialsFile();
      const credentials = await readCredentials(file);
      if (!credentials) {
        process.stdout.write("Not logged in.\n");
        return;
      }
      try {
        await logout(credentials.homeserverUrl, credentials.accessToken);
      } catch (error) {
        // Forgetting the login locally is what the user asked for; the session may outlive it.
        progress(
          `warning: ${error instanceof Error ? error.message : String(error)}; the session may still be active on the homeserver`,
        );
      }
      await deleteCredentials(file);
      process.stdout.write(`Logged out ${credentials.userId}.\n`);
    });
}

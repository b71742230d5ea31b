import { runGit } from "./runGit.ts";

export const FALLBACK_IDENTITY = { name: "aachat", email: "aachat@localhost" } as const;

/**
 * `-c` settings giving a commit an author and committer when git has none configured for
 * `repoDir` (a fresh machine or CI); empty when the owner's own identity is set.
 */
export async function fallbackIdentityConfig(repoDir: string): Promise<Record<string, string>> {
  const [name, email] = await Promise.all([configValue(repoDir, "user.name"), configValue(repoDir, "user.email")]);
  return {
    ...(name ? {} : { "user.name": FALLBACK_IDENTITY.name }),
    ...(email ? {} : { "user.email": FALLBACK_IDENTITY.email }),
  };
}

async function configValue(repoDir: string, key: string): Promise<string | undefined> {
  const result = await runGit(repoDir, ["config", "--get", key], { allowFailure: true });
  const value = result.stdout.trim();
  return result.exitCode === 0 && value !== "" ? value : undefined;
}

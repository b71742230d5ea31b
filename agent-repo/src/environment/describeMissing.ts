import type { PackageManager } from "./environmentSchema.ts";
import type { MissingPackage } from "./findMissingPackages.ts";

export interface MissingRequirements {
  packages: readonly MissingPackage[];
  /** As listed by `prepareSessionEnvironment`. */
  missingSecrets: readonly string[];
}

const INSTALL_COMMAND: Record<PackageManager, string> = {
  apt: "sudo apt-get install",
  pip: "python3 -m pip install",
  npm: "npm install --global",
};

/**
 * A message for the agent's DM room saying what its environment lacks and how the owner
 * can provide it, or undefined when nothing is missing.
 */
export function describeMissing(agentName: string, missing: MissingRequirements): string | undefined {
  const lines: string[] = [];
  for (const manager of ["apt", "pip", "npm"] as const) {
    const names = missing.packages.filter((item) => item.manager === manager).map((item) => item.name);
    if (names.length > 0) {
      lines.push(
        `- ${manager} packages not installed: ${names.join(", ")}. Install them with \`${INSTALL_COMMAND[manager]} ${names.join(" ")}\`.`,
      );
    }
  }
  if (missing.missingSecrets.length > 0) {
    lines.push(
      `- variables not set in your environment: ${missing.missingSecrets.join(", ")}. Set them where the runtime starts, then \`aachat agent restart ${agentName}\`.`,
    );
  }
  if (lines.length === 0) return undefined;
  return [`${agentName} is running without part of what its environment.yaml asks for:`, ...lines].join("\n");
}

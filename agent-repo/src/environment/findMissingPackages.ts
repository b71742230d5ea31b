import { access, constants } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { AgentEnvironment, PackageManager } from "./environmentSchema.ts";
import { runProbe } from "./runProbe.ts";

export interface MissingPackage {
  manager: PackageManager;
  name: string;
}

/**
 * The packages `environment.yaml` asks for that are not installed on this machine. One
 * read-only query per package manager, all at once; nothing is ever installed.
 */
export async function findMissingPackages(env: AgentEnvironment): Promise<MissingPackage[]> {
  const { apt = [], pip = [], npm = [] } = env.packages ?? {};
  const [missingApt, missingPip, missingNpm] = await Promise.all([
    apt.length > 0 ? missingAptPackages(apt) : [],
    pip.length > 0 ? missingPipPackages(pip) : [],
    npm.length > 0 ? missingNpmPackages(npm) : [],
  ]);
  return [
    ...missingApt.map((name) => ({ manager: "apt" as const, name })),
    ...missingPip.map((name) => ({ manager: "pip" as const, name })),
    ...missingNpm.map((name) => ({ manager: "npm" as const, name })),
  ];
}

async function missingAptPackages(names: readonly string[]): Promise<string[]> {
  // Exits non-zero when any name is unknown, but still prints the ones it knows.
  const result = await runProbe("dpkg-query", ["-W", "-f=${Package}\t${Status}\n", ...names]);
  const installed = new Set(
    result.stdout
      .split("\n")
      .map((line) => line.split("\t"))
      .filter(([, status]) => status === "install ok installed")
      .map(([name]) => stripArchitecture(name ?? "")),
  );
  return names.filter((name) => !installed.has(name));
}

function stripArchitecture(packageName: string): string {
  return packageName.split(":")[0] ?? packageName;
}

async function missingPipPackages(names: readonly string[]): Promise<string[]> {
  // Like dpkg-query, `pip show` lists the packages it finds even when some are missing.
  const result = await runProbe("python3", ["-m", "pip", "show", ...names]);
  const installed = new Set(
    [...result.stdout.matchAll(/^Name: (.+)$/gm)].map((match) => normalizePipName(match[1] ?? "")),
  );
  return names.filter((name) => !installed.has(normalizePipName(name)));
}

/** PEP 503: names compare case-insensitively, with runs of '-', '_' and '.' equal. */
function normalizePipName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, "-");
}

const npmListSchema = z.looseObject({ dependencies: z.record(z.string(), z.unknown()).optional() });

async function missingNpmPackages(names: readonly string[]): Promise<string[]> {
  const onPath = await Promise.all(names.map((name) => isExecutableOnPath(binaryNameOf(name))));
  const notOnPath = names.filter((_, index) => !onPath[index]);
  if (notOnPath.length === 0) return [];
  const result = await runProbe("npm", ["ls", "--global", "--depth=0", "--json"]);
  const parsed = npmListSchema.safeParse(safeJson(result.stdout));
  const installed = new Set(Object.keys((parsed.success && parsed.data.dependencies) || {}));
  return notOnPath.filter((name) => !installed.has(name));
}

/** The command a package usually installs: its name without the scope. */
function binaryNameOf(packageName: string): string {
  return packageName.split("/").at(-1) ?? packageName;
}

async function isExecutableOnPath(command: string): Promise<boolean> {
  const directories = (process.env.PATH ?? "").split(path.delimiter).filter((directory) => directory !== "");
  const found = await Promise.all(
    directories.map((directory) =>
      access(path.join(directory, command), constants.X_OK).then(
        () => true,
        () => false,
      ),
    ),
  );
  return found.includes(true);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

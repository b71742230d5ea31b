/**
 * Where aachat's own files are. In a checkout they sit in the workspace packages; in the
 * package `npm run pack` builds (scripts/pack.mjs), the code is bundled into dist/ and the
 * files sit elsewhere. Every module that reads a file of ours asks here, by name, instead
 * of counting "../" from its own location (which differs once bundled).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type InstallKind = "checkout" | "package";

/** Each file, relative to the checkout's top folder and to the installed package's. */
const FILES = {
  runtimeBin: { checkout: "runtime/bin/aachat-runtime.js", package: "dist/aachat-runtime.mjs" },
  chatToolsBin: { checkout: "runtime/bin/aachat-chat-tools.js", package: "dist/aachat-chat-tools.mjs" },
  /** The product's package.json: its version is aachat's. */
  productPackageJson: { checkout: "package.json", package: "package.json" },
  runtimePackageJson: { checkout: "runtime/package.json", package: "package.json" },
  sqliteMigrations: { checkout: "appservice/prisma/migrations", package: "prisma/migrations" },
  postgresqlMigrations: {
    checkout: "appservice/prisma/migrations-postgresql",
    package: "prisma/migrations-postgresql",
  },
  registrationTemplate: { checkout: "registration.yaml", package: "registration.yaml" },
  /** The console's browser script: prebuilt in the package, bundled on demand in a checkout… */
  consoleScript: { checkout: undefined, package: "dist/console/main.js" },
  /** …from its sources. */
  consoleSource: { checkout: "admin-ui/src/app/main.ts", package: undefined },
} as const satisfies Record<string, { checkout: string | undefined; package: string | undefined }>;

export type AachatFile = keyof typeof FILES;

export interface InstallLayout {
  kind: InstallKind;
  /** The checkout's top folder, or the installed package's. */
  root: string;
}

let layout: InstallLayout | undefined;

/**
 * Found by walking up from this module to the package.json named `aachat`: the checkout's
 * root package (it lists the workspaces) or the installed package (it has none).
 */
export function installLayout(): InstallLayout {
  layout ??= findLayout(path.dirname(fileURLToPath(import.meta.url)));
  return layout;
}

/** The absolute path of one of aachat's files; undefined when this layout has no such file. */
export function aachatFile(name: AachatFile): string | undefined {
  const { kind, root } = installLayout();
  const relative = FILES[name][kind];
  return relative === undefined ? undefined : path.join(root, relative);
}

/** Like aachatFile, for files every layout has. */
export function requiredAachatFile(name: Exclude<AachatFile, "consoleScript" | "consoleSource">): string {
  const { kind, root } = installLayout();
  return path.join(root, FILES[name][kind]);
}

function findLayout(start: string): InstallLayout {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = readManifest(path.join(dir, "package.json"));
    if (manifest?.name === "aachat") return { kind: manifest.workspaces ? "checkout" : "package", root: dir };
    if (path.dirname(dir) === dir) throw new Error(`aachat's package.json was not found above ${start}`);
  }
}

function readManifest(file: string): { name?: unknown; workspaces?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; workspaces?: unknown };
  } catch {
    return undefined;
  }
}

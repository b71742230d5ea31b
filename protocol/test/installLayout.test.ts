import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { aachatFile, installLayout, requiredAachatFile } from "../src/installLayout.ts";

const CHECKOUT = fileURLToPath(new URL("../..", import.meta.url));

// The installed package's layout is checked by test/deploy/pack.test.ts, which installs it.
describe("installLayout in a checkout", () => {
  it("finds the checkout's top folder", () => {
    expect(installLayout()).toEqual({ kind: "checkout", root: path.resolve(CHECKOUT) });
  });

  it("names files that exist, and the console's sources instead of a prebuilt script", () => {
    for (const name of [
      "runtimeBin",
      "chatToolsBin",
      "runtimePackageJson",
      "sqliteMigrations",
      "postgresqlMigrations",
      "registrationTemplate",
    ] as const) {
      expect(existsSync(requiredAachatFile(name)), name).toBe(true);
    }
    expect(aachatFile("consoleScript")).toBeUndefined();
    expect(existsSync(aachatFile("consoleSource") ?? "")).toBe(true);
  });
});

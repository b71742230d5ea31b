#!/usr/bin/env node
// The aachat CLI, run from its bundle in cli/dist, rebuilt first when the sources changed.
import path from "node:path";
import { runBundled } from "@aachat/protocol/esbuild/bundledProgram";
import { DIST, REPO, SOURCES } from "../build/sources.mjs";

await runBundled({
  name: "the CLI",
  root: REPO,
  sources: SOURCES,
  dist: DIST,
  bundler: path.join(REPO, "cli", "build", "bundle.mjs"),
  entry: "aachat.mjs",
  sourceEntry: path.join(REPO, "cli", "src", "main.ts"),
});

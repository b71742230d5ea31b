import type { BuildOptions } from "esbuild";

export declare function nodeBundleOptions(options?: { shebang?: boolean }): BuildOptions;
export declare function sourceFingerprint(root: string, sources: readonly string[]): Promise<string>;
export declare function runBundled(program: {
  name: string;
  root: string;
  sources: readonly string[];
  dist: string;
  bundler: string;
  entry: string;
  sourceEntry: string;
}): Promise<unknown>;
export declare function makeBuild(build: string, write: (folder: string) => Promise<void>): Promise<void>;

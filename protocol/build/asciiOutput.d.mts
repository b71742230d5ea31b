import type { Plugin } from "esbuild";

export declare const asciiOutput: Plugin;

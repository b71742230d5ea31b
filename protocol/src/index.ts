export * from "./common.ts";
export * from "./signals.ts";
export * from "./methods.ts";
export * from "./commands.ts";
export * from "./state.ts";
export * from "./frames.ts";
export * from "./closeCodes.ts";
export * from "./logLine.ts";

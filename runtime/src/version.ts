import { readFileSync } from "node:fs";
import { requiredAachatFile } from "@aachat/protocol/installLayout";

/** The runtime's version, from its package.json: reported to the appservice and shown in the console. */
export const RUNTIME_VERSION: string = (
  JSON.parse(readFileSync(requiredAachatFile("runtimePackageJson"), "utf8")) as { version: string }
).version;

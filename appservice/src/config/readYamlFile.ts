import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError } from "./ConfigError.ts";

/** Reads and parses a YAML file; a missing file says `whenMissing`, broken YAML names the line. */
export async function readYamlFile(file: string, whenMissing: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      file,
      undefined,
      code === "ENOENT" ? whenMissing : `cannot be read (${code ?? String(error)})`,
    );
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : "";
    throw new ConfigError(file, undefined, `is not valid YAML${where}: ${(error as Error).message.split("\n")[0]}`);
  }
}

import { UserFacingError } from "@aachat/protocol/UserFacingError";

/** A configuration problem a user must fix: names the file and, where known, the key. */
export class ConfigError extends UserFacingError {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly key: string | undefined,
    readonly problem: string,
  ) {
    super(key ? `${file}: ${key}: ${problem}` : `${file}: ${problem}`);
  }
}

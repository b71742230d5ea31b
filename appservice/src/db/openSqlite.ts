import Database from "better-sqlite3";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

/** SQLite's driver cannot load on this Node.js: what is wrong, and what to run. */
export class SqliteDriverError extends UserFacingError {
  override readonly name = "SqliteDriverError";

  constructor(
    readonly detail: string,
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`${detail}. ${fix}`, options);
  }
}

/** Opens a SQLite file through better-sqlite3, which loads its native module on first use. */
export function openSqliteFile(file: string, options?: Database.Options): Database.Database {
  try {
    return new Database(file, options);
  } catch (error) {
    throw driverBuiltForOtherNode(error) ?? error;
  }
}

/** Whether SQLite's driver loads on this Node.js: null when it does (`aachat doctor`). */
export function sqliteDriverProblem(): SqliteDriverError | null {
  try {
    openSqliteFile(":memory:").close();
    return null;
  } catch (error) {
    if (error instanceof SqliteDriverError) return error;
    throw error;
  }
}

/**
 * better-sqlite3's native module built for another Node.js, as after `nvm use 22` in a
 * checkout installed with Node 20, told as a user can fix it; null for any other error.
 */
export function driverBuiltForOtherNode(error: unknown, nodeVersion = process.version): SqliteDriverError | null {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== "ERR_DLOPEN_FAILED") return null;
  const versions = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(
    error.message,
  );
  if (!versions) return null;
  const modulePath = /'([^']+)'/.exec(error.message)?.[1] ?? "";
  const packageAt = modulePath.lastIndexOf("/node_modules/better-sqlite3/");
  const where = packageAt > 0 ? `in ${modulePath.slice(0, packageAt)}` : "where aachat is installed";
  return new SqliteDriverError(
    `SQLite's driver (better-sqlite3) was built for another Node.js (module version ${versions[1]}; ` +
      `Node.js ${nodeVersion} needs ${versions[2]}), as happens after switching Node.js versions`,
    `Run \`npm rebuild better-sqlite3\` ${where} and start again (in a checkout, \`npm start\` does this itself).`,
    { cause: error },
  );
}

import type { DatabaseTarget } from "../config/schema.ts";

export type { DatabaseTarget };

/** The database, named for logs and messages: never with its password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === "sqlite") return target.sqliteFile;
  try {
    const url = new URL(target.url);
    return `postgresql://${url.username ? `${decodeURIComponent(url.username)}@` : ""}${url.host}${url.pathname}`;
  } catch {
    return "a PostgreSQL database";
  }
}

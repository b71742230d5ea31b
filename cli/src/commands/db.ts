import path from "node:path";
import type { Command } from "commander";
import { UsageError, UserError } from "../errors.ts";
import { printResult, progress } from "../output.ts";
import { addJsonOption, type JsonOption } from "./apiCommand.ts";

/** `aachat db copy`: moving an install's appservice state from SQLite to PostgreSQL. */
export function registerDb(program: Command): void {
  const db = program.command("db").description("the appservice's database");
  addJsonOption(
    db
      .command("copy")
      .description("copy the appservice's SQLite database into an empty PostgreSQL database")
      .requiredOption("--from <file>", "the SQLite file (the embedded install's data/aachat.db)")
      .requiredOption("--to <url>", "the PostgreSQL database, as postgresql://user:password@host:port/database")
      .addHelpText(
        "after",
        "\nStop the appservice first. The target gets the appservice's tables and every row, in one\n" +
          "transaction: if anything fails, nothing is copied. Then point aachat.yaml's database.url at it\n" +
          "(and remove database.sqliteFile). The SQLite file is only read.",
      ),
  ).action(async (options: JsonOption & { from: string; to: string }) => {
    if (!/^postgres(ql)?:\/\/\S+$/.test(options.to)) {
      throw new UsageError("--to must be a postgresql://user:password@host:port/database URL");
    }
    const from = path.resolve(options.from);
    const { copySqliteToPostgres, createLogger, describeTarget } = await import("@aachat/appservice");
    const target = describeTarget({ kind: "postgresql", url: options.to });
    progress(`Copying ${from} into ${target}…`);
    let report;
    try {
      report = await copySqliteToPostgres(
        from,
        options.to,
        createLogger({ name: "aachat-db", level: "warn", format: "auto" }),
        progress,
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && /^(ECONNREFUSED|ENOTFOUND|28P01|28000|3D000)$/.test(code)) {
        throw new UserError(`cannot use the PostgreSQL database ${target}: ${(error as Error).message}`);
      }
      throw error;
    }
    const rows = report.tables.reduce((sum, table) => sum + table.rows, 0);
    printResult(options.json === true, report, () =>
      [
        `Copied ${rows} rows in ${report.tables.length} tables into ${target} (${(report.durationMs / 1000).toFixed(1)} s).`,
        "Now set database.url in aachat.yaml to it (and remove database.sqliteFile), and start the appservice.",
      ].join("\n"),
    );
  });
}

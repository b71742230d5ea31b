import stringWidth from "string-width";

/**
 * Columns aligned with two spaces, by the columns a terminal shows (an emoji or a CJK
 * character takes two); the last column is not padded, so lines carry no trailing blanks.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(stringWidth(header), ...rows.map((row) => stringWidth(row[column] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    headers
      .map((_, column) => {
        const cell = cells[column] ?? "";
        return column === headers.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - stringWidth(cell));
      })
      .join("  ")
      .trimEnd();
  return [headers, ...rows].map(line).join("\n");
}

/** Indents every line of a block (a table under a heading). */
export function indent(block: string, by = "  "): string {
  return block
    .split("\n")
    .map((line) => (line === "" ? line : by + line))
    .join("\n");
}

/** One line of at most `max` characters, for message bodies in a table. */
export function oneLine(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join("")}…`;
}

/** `2024-05-01T12:03:04.000Z` -> `2024-05-01 12:03` (the server's times are UTC). */
export function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

export function yesNo(value: boolean): string {
  return value ? "yes" : "no";
}

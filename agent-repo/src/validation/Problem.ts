/** One thing wrong with an agent repository, where it is and what to do about it. */
export interface Problem {
  /** Path relative to the repository root, with '/' separators; "." is the repository itself. */
  file: string;
  /** 1-based line, when the problem has a place in the file. */
  line?: number;
  message: string;
}

/** Problems ordered by file, then line (problems without a line first). */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0),
  );
}

/** One line per problem, `file:line: message` or `file: message`, sorted by file then line. */
export function formatProblems(problems: readonly Problem[]): string {
  return sortProblems(problems)
    .map((problem) =>
      problem.line === undefined
        ? `${problem.file}: ${problem.message}`
        : `${problem.file}:${problem.line}: ${problem.message}`,
    )
    .join("\n");
}

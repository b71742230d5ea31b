import type { z } from "zod";
import type { Problem } from "./Problem.ts";
import type { YamlPath } from "./parseYamlWithLines.ts";

type Issue = z.core.$ZodIssue;

/** Turns schema issues into problems of `file`, each at the line of the key it is about. */
export function zodIssuesToProblems(
  issues: readonly Issue[],
  file: string,
  lineOf: (path: YamlPath) => number | undefined,
): Problem[] {
  return issues.flatMap((issue) => {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        file,
        line: lineOf([...path, key]),
        message: `unknown key '${dotted([...path, key])}'; remove it or check its spelling`,
      }));
    }
    const located = (message: string): Problem => ({
      file,
      line: lineOf(path),
      message: path.length > 0 ? `${dotted(path)}: ${message}` : message,
    });
    if (issue.code === "invalid_key") {
      return [located(issue.issues[0]?.message ?? issue.message)];
    }
    if (issue.code === "invalid_union") {
      const onlyPlausibleOption = plausibleOption(issue.errors);
      if (onlyPlausibleOption) {
        const nested = onlyPlausibleOption.map((nestedIssue) => ({
          ...nestedIssue,
          path: [...path, ...nestedIssue.path],
        }));
        return zodIssuesToProblems(nested, file, lineOf);
      }
    }
    return [located(issue.message)];
  });
}

/**
 * The one alternative of a union that the value was evidently meant to be (its type
 * matched, a detail inside is wrong), so the problem can name that detail.
 */
function plausibleOption(optionIssues: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const plausible = optionIssues.filter((issues) =>
    issues.every((issue) => issue.path.length > 0 || (issue.code !== "invalid_type" && issue.code !== "invalid_value")),
  );
  return plausible.length === 1 ? plausible[0] : undefined;
}

function dotted(path: readonly PropertyKey[]): string {
  return path
    .map((step) => (typeof step === "number" ? `[${step}]` : String(step)))
    .join(".")
    .replaceAll(".[", "[");
}

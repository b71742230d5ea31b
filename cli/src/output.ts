/**
 * What a command prints: results go to stdout (plain or JSON for scripts), progress
 * and diagnostics to stderr so they never mix with a result a script is reading.
 */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

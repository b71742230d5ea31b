/** A message for an error caught in the console: the server's own words when it gave some. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return capitalise(error.message);
  return "Something went wrong.";
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

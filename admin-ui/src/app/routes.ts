/** The console's pages, addressed by the URL's hash so a reload stays on the same page. */
export type Route = { page: "teams" } | { page: "team"; slug: string } | { page: "agents" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "agents") return { page: "agents" };
  if (parts[0] === "teams" && parts[1]) return { page: "team", slug: parts[1] };
  return { page: "teams" };
}

export function teamHref(slug: string): string {
  return `#/teams/${encodeURIComponent(slug)}`;
}

export function matrixToHref(roomId: string): string {
  return `https://matrix.to/#/${roomId}`;
}

/** What the server tells the console about its homeserver (GET /console/config.json). */
export interface ConsoleConfig {
  homeserverUrl: string;
  serverName: string;
}

export async function fetchConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/console/config.json", { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`The console's configuration could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}

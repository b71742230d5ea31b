/** What the global setup tells every test file about the shared homeserver. */
export interface TestStackInfo {
  homeserverUrl: string;
  serverName: string;
  registrationSharedSecret: string;
  /** The registration Synapse loaded; the appservice under test must listen at its url. */
  registrationFile: string;
  appservicePort: number;
  /** A scratch directory for this run (databases, config files). */
  workDir: string;
  synapseLogPath: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: TestStackInfo;
  }
}

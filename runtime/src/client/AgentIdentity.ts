import type { HelloFrame } from "@aachat/protocol";

/** Who the runtime acts as, from the appservice's hello. */
export type AgentIdentity = HelloFrame["agent"];

/** Where the runtime's parts learn who it acts as. */
export interface IdentitySource {
  /** The identity, waiting for the first hello if need be. */
  get(): Promise<AgentIdentity>;
}

/** Resolves once the runtime knows who it is (after the first hello), and keeps the latest. */
export class IdentityHolder implements IdentitySource {
  #current: AgentIdentity | null = null;
  #resolve: (identity: AgentIdentity) => void = () => undefined;
  readonly #first = new Promise<AgentIdentity>((resolve) => (this.#resolve = resolve));

  set(identity: AgentIdentity): void {
    this.#current = identity;
    this.#resolve(identity);
  }

  get current(): AgentIdentity | null {
    return this.#current;
  }

  /** The identity, waiting for the first hello if need be. */
  get(): Promise<AgentIdentity> {
    return this.#current ? Promise.resolve(this.#current) : this.#first;
  }
}

import type { Bindings, Logger } from "pino";

/**
 * `parent.child(bindings)`, made on first use. Most events log nothing, and making a
 * child runs the logger's redaction over its bindings: a tenth of the inbox's time when
 * made for every event.
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(_parent, property) {
      child ??= parent.child(bindings);
      const value: unknown = Reflect.get(child, property, child);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
  });
}

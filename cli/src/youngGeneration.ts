import v8 from "node:v8";

/**
 * V8 puts new objects in a young generation that starts at 2 MiB, doubles while allocation
 * is heavy, up to 32 MiB, and gives it back only after a few idle minutes. Loading and
 * starting the appservice (its code, the migrations, Prisma's query compiler, the
 * reconcile) is such a burst, so an appservice that then waited for its first event held
 * 32 MiB it did not use. `aachat up` and `aachat appservice` keep it at its first size from
 * before the appservice's code loads until it has started; from then on it grows under load
 * as before, so throughput is unchanged (docs/benchmarks.md).
 */
export function holdYoungGeneration(): void {
  v8.setFlagsFromString("--semi-space-growth-factor=1");
}

/** Lets the young generation grow again (V8's default factor). */
export function releaseYoungGeneration(): void {
  v8.setFlagsFromString("--semi-space-growth-factor=2");
}

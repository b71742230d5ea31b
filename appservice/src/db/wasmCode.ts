import v8 from "node:v8";

let applied = false;

/**
 * Keeps WebAssembly on V8's baseline compiler (Liftoff). Prisma's query compiler is a 3 MB
 * WebAssembly module; by default V8 also recompiles it with its optimising compiler, which
 * measured 50–70 MiB more resident memory for the life of the process and a first query
 * 4× slower (950 ms against 200 ms), while warm queries ran no faster: Prisma caches each
 * query shape's plan, so the compiler's code seldom runs once warm (docs/benchmarks.md).
 * Only modules compiled after this are affected, so it runs before the first client exists.
 */
export function compactWasmCode(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString("--liftoff-only");
}

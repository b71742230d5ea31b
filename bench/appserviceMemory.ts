/** Where the appservice's memory is, from the Node.js gauges on its GET /metrics (prom-client's defaults). */
export interface MemoryBreakdown {
  /** The JS heap V8 has taken from the system, and the part of it in use, MiB. */
  heapTotalMb: number;
  heapUsedMb: number;
  /** Memory of JS objects held outside the heap (Buffers, ArrayBuffers), MiB. */
  externalMb: number;
}

const GAUGES = {
  heapTotalMb: "nodejs_heap_size_total_bytes",
  heapUsedMb: "nodejs_heap_size_used_bytes",
  externalMb: "nodejs_external_memory_bytes",
} as const;

/** Reads the breakdown; throws when GET /metrics does not answer or lacks a gauge. */
export async function readMemoryBreakdown(appserviceUrl: string): Promise<MemoryBreakdown> {
  const response = await fetch(`${appserviceUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /metrics answered HTTP ${response.status}`);
  const text = await response.text();
  const gauge = (name: string): number => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text);
    if (!match) throw new Error(`GET /metrics has no ${name}`);
    return Number(match[1]) / (1024 * 1024);
  };
  return {
    heapTotalMb: gauge(GAUGES.heapTotalMb),
    heapUsedMb: gauge(GAUGES.heapUsedMb),
    externalMb: gauge(GAUGES.externalMb),
  };
}

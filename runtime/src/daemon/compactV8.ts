import v8 from "node:v8";

/**
 * A runtime waits most of its life and relays a chat at human speed, so it trades V8's
 * speed for memory, before the rest of its code loads (main.ts imports this first): no
 * optimising compilers, which compile on background threads and keep their code and
 * memory, a young generation that stays at its starting size instead of growing to
 * 32 MiB in the burst of start-up, and V8's heuristics for a small heap over a fast one
 * (1 MiB less idle). Measured: 72 MiB idle before, see docs/benchmarks.md.
 */
v8.setFlagsFromString("--no-opt --no-maglev --no-sparkplug --semi-space-growth-factor=1 --optimize-for-size");

import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** A window on CLOCK_MONOTONIC in microseconds: the clock of both V8's profile timestamps and process.hrtime. */
export interface ProfileWindow {
  label: string;
  fromUs: number;
  toUs: number;
}

export interface HotSpot {
  name: string;
  /** Share of the non-idle samples in the window, %. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  window: string;
  /** Share of the window the appservice's main thread was busy, %. */
  busyPercent: number;
  functions: HotSpot[];
  modules: HotSpot[];
}

const cpuProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** Self time per function and per package/file from a .cpuprofile, for each window. */
export async function summarizeProfile(
  file: string,
  windows: readonly ProfileWindow[],
  top = 15,
): Promise<ProfileSummary[]> {
  const profile = cpuProfileSchema.parse(JSON.parse(await readFile(file, "utf8")));
  return windows.map((window) => summarizeWindow(file, profile, window, top));
}

function summarizeWindow(
  file: string,
  profile: z.infer<typeof cpuProfileSchema>,
  window: ProfileWindow,
  top: number,
): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let busyUs = 0;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (time < window.fromUs || time > window.toUs) continue;
    const frame = nodes.get(profile.samples[i]!);
    if (!frame) continue;
    if (frame.functionName === "(idle)") continue;
    busyUs += delta;
    const where = locate(frame.url);
    const name =
      frame.url === ""
        ? frame.functionName
        : `${frame.functionName || "(anonymous)"} ${where.file}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
    const module = frame.url === "" ? frame.functionName : where.module;
    byModule.set(module, (byModule.get(module) ?? 0) + delta);
  }
  if (busyUs === 0) throw new Error(`the profile ${file} has no samples in the ${window.label} window`);
  const ranked = (totals: Map<string, number>) =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, percent: (us / busyUs) * 100 }));
  return {
    file,
    window: window.label,
    busyPercent: (busyUs / (window.toUs - window.fromUs)) * 100,
    functions: ranked(byFunction),
    modules: ranked(byModule),
  };
}

/** The package (or, for our own code, the file inside the checkout) and the file a script URL names. */
function locate(url: string): { module: string; file: string } {
  if (url.startsWith("node:")) return { module: url, file: url };
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (packageMatch) return { module: packageMatch[1]!, file: `${packageMatch[1]!}/${packageMatch[2]!}` };
  const filePath = url.startsWith("file://") ? new URL(url).pathname : url;
  const root = path.resolve(import.meta.dirname, "..");
  const own = filePath.startsWith(root) ? path.relative(root, filePath) : filePath;
  return { module: own, file: own };
}

/** Now on CLOCK_MONOTONIC in microseconds. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

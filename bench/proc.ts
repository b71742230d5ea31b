import { readFileSync } from "node:fs";

export interface Rss {
  /** Resident set size now (VmRSS), MiB. */
  rssMb: number;
  /** Peak resident set size so far (VmHWM), MiB. */
  peakMb: number;
}

/** The value of a `Field:   N kB` line of a /proc file, in KiB. */
function kibField(text: string, file: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!match) throw new Error(`${file} has no ${field}`);
  return Number(match[1]);
}

/** Reads a process's memory from /proc/<pid>/status (Linux only). */
export function readRss(pid: number): Rss {
  const file = `/proc/${pid}/status`;
  const status = readFileSync(file, "utf8");
  return { rssMb: kibField(status, file, "VmRSS") / 1024, peakMb: kibField(status, file, "VmHWM") / 1024 };
}

/**
 * The memory only this process holds (Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup),
 * MiB: its RSS less the pages it shares with other processes, chiefly the node binary's code,
 * which every node process on the machine maps (the appservice, each runtime, Claude Code's
 * ACP agent). It is what one more such process costs.
 */
export function readPrivateMb(pid: number): number {
  const file = `/proc/${pid}/smaps_rollup`;
  const rollup = readFileSync(file, "utf8");
  return (kibField(rollup, file, "Private_Clean") + kibField(rollup, file, "Private_Dirty")) / 1024;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; the fields after its closing ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux build Node supports
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

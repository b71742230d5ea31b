import { readdir, readFile } from "node:fs/promises";

/** Whether a process with this id exists (and is not a zombie). */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  return stat !== null && statFields(stat).state !== "Z";
}

/** The processes whose parent is `pid`, with their command lines. */
export async function childProcesses(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const children: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
    if (stat === null || statFields(stat).ppid !== pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    children.push({ pid: Number(entry), cmdline: cmdline.replaceAll("\0", " ").trim() });
  }
  return children;
}

/** `pid` and every process below it: children, their children, and so on. */
export async function processTree(pid: number): Promise<number[]> {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(await childProcesses(tree[i]!)).map((child) => child.pid));
  return tree;
}

/** SIGKILLs the process and resolves once it is gone. */
export async function killHard(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 500 && (await isAlive(pid)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** `pid (comm) state ppid …`; comm may hold spaces and parentheses, so read from the last `)`. */
function statFields(stat: string): { state: string; ppid: number } {
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0] ?? "", ppid: Number(rest[1]) };
}

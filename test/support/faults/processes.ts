import { readdir, readFile } from "node:fs/promises";

/** Whether a process with this id exists (and is not a zombie). */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  return stat !== null && statFields(stat).state !== "Z";
}

/** Every process's id and its parent's, from one reading of /proc. */
async function processTable(): Promise<{ pid: number; ppid: number }[]> {
  const table: { pid: number; ppid: number }[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
    if (stat !== null) table.push({ pid: Number(entry), ppid: statFields(stat).ppid });
  }
  return table;
}

/** The processes whose parent is `pid`, with their command lines. */
export async function childProcesses(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const children = (await processTable()).filter((entry) => entry.ppid === pid);
  return Promise.all(
    children.map(async (child) => {
      const cmdline = await readFile(`/proc/${child.pid}/cmdline`, "utf8").catch(() => "");
      return { pid: child.pid, cmdline: cmdline.replaceAll("\0", " ").trim() };
    }),
  );
}

/** `pid` and every process below it: children, their children, and so on. */
export async function processTree(pid: number): Promise<number[]> {
  const table = await processTable();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    tree.push(...table.filter((entry) => entry.ppid === tree[i]).map((entry) => entry.pid));
  }
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

/**
 * Python that asks the kernel to SIGTERM it when its parent dies (prctl PR_SET_PDEATHSIG = 1),
 * then becomes the real command through exec: same pid, and from then on the same command
 * line as if started directly. If the parent is already gone, it starts nothing. Should the
 * prctl call fail, the command still runs; the next start then finds it through the pid file.
 */
const EXEC_WITH_PARENT_DEATH_SIGNAL = [
  "import ctypes, os, signal, sys",
  "try:",
  "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)",
  "except Exception:",
  "    pass",
  "if os.getppid() != int(sys.argv[1]):",
  "    sys.exit('the process that started Synapse ended before it could start')",
  "os.execv(sys.argv[2], sys.argv[2:])",
].join("\n");

/**
 * How to run `python args` so that it ends with this process, even when this process is
 * SIGKILLed. Linux only; elsewhere the command is returned unchanged.
 */
export function endingWithThisProcess(python: string, args: string[]): { command: string; args: string[] } {
  if (process.platform !== "linux") return { command: python, args };
  return { command: python, args: ["-c", EXEC_WITH_PARENT_DEATH_SIGNAL, String(process.pid), python, ...args] };
}

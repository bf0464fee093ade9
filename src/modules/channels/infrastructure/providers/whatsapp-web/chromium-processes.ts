import fs from 'node:fs';

/** One process as seen in /proc. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group: puppeteer starts Chromium detached, so the browser leads its own group. */
  pgid: number;
  /**
   * The command line, arguments joined by spaces: Chromium rewrites its children's titles into one
   * space-separated string, so splitting on NUL alone would miss their flags.
   */
  cmdline: string;
}

/** Every process visible in /proc (empty where there is no /proc, e.g. macOS). */
export function listProcesses(): ProcessInfo[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name in parentheses may hold spaces: the fields we want follow its last ')'.
      const [, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      found.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), cmdline });
    } catch {
      // The process ended while we read it.
    }
  }
  return found;
}

/** The pids of Chromium processes (browser and children) running on the profile `userDataDir`. */
export function chromiumPidsUsingProfile(userDataDir: string): number[] {
  const flag = `--user-data-dir=${userDataDir}`;
  return listProcesses().filter((p) => `${p.cmdline} `.includes(`${flag} `)).map((p) => p.pid);
}

/** SIGKILL, ignoring processes that are already gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone; EPERM cannot happen for our own children.
  }
}

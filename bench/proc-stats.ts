/** What Linux's /proc tells about a process of the benchmarks: its CPU time and its system calls. */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/<pid>/stat counts CPU time in it, 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** A process's CPU seconds so far (user + system); 0 once it has ended. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

/**
 * A process's read and write system calls so far (sockets included); 0 once it has ended. On a virtual
 * machine each costs microseconds, so how a process batches its socket writes shows in its CPU time.
 */
export function syscalls(pid: number | undefined): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)![1]);
    return field('syscr') + field('syscw');
  } catch {
    return 0;
  }
}

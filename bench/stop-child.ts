import type { ChildProcess } from 'node:child_process';

/** Stops a child process with SIGTERM and waits until it has exited; nothing to do if it already has. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

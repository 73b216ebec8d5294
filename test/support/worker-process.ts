import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');

/** The newest modification time of the TypeScript files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** Compiles the server (tsc, as `npm run build` does) unless dist/ is newer than every source file. */
export function buildServer(): void {
  const built = statSync(MAIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), newestSource(path.join(ROOT, 'migrations')));
  if (built > sources) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT },
  );
}

/**
 * The env of a test app that serves the API only, its deployments carried by worker processes
 * (startWorker) with this rollout timeout.
 */
export const apiOnlyEnv = (deployTimeoutSeconds: number) => ({
  PROCESS_ROLE: 'api',
  DEPLOY_TIMEOUT_SECONDS: String(deployTimeoutSeconds),
});

/** A worker-only server process, as production runs one, from the compiled build (see buildServer). */
export function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, PROCESS_ROLE: 'worker' },
    stdio: 'ignore',
  });
}

/** kill -9, and wait until the process is gone. */
export async function killWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exit = once(worker, 'exit');
  worker.kill('SIGKILL');
  await exit;
}

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The secrets the quick start makes for itself, each in its own file under the data directory. */
const SECRETS = {
  JWT_SECRET: 'jwt-secret',
  ENCRYPTION_KEY: 'encryption-key',
} as const;

/**
 * For the embedded quick start only: JWT_SECRET and ENCRYPTION_KEY missing from env are generated once
 * into `<dataDir>/<name>` (mode 0600) and read back on every later start, so tokens and sealed
 * kubeconfigs survive a restart. Production has no such fallback: it refuses to start without them.
 * Logs which ones it generated or reused, never their values.
 */
export async function ensureQuickStartSecrets(
  env: Record<string, string | undefined>,
  dataDir: string,
  log: (msg: string) => void,
): Promise<void> {
  for (const [name, fileName] of Object.entries(SECRETS)) {
    if (env[name]) continue;
    const file = join(dataDir, fileName);
    const stored = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
    if (stored) {
      env[name] = stored;
      log(`${name} not set: using the one generated earlier in ${file}`);
      continue;
    }
    await mkdir(dataDir, { recursive: true });
    const value = randomBytes(32).toString('hex');
    // `wx`: two first starts racing cannot both write, and an existing file is never overwritten.
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    env[name] = value;
    log(`${name} not set: generated one into ${file} (kept for later starts)`);
  }
}

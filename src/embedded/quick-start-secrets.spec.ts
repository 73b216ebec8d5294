import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config';
import { ensureQuickStartSecrets } from './quick-start-secrets';

describe('ensureQuickStartSecrets', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ote-secrets-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates both once into 0600 files, reuses them next start and logs that, not the values', async () => {
    const logs: string[] = [];
    const first: Record<string, string | undefined> = {};
    await ensureQuickStartSecrets(first, join(dir, '.data'), (msg) => logs.push(msg));
    expect(first.JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(first.JWT_SECRET).not.toBe(first.ENCRYPTION_KEY);
    for (const file of ['jwt-secret', 'encryption-key']) {
      expect((await stat(join(dir, '.data', file))).mode & 0o777).toBe(0o600);
    }
    expect((await readFile(join(dir, '.data', 'jwt-secret'), 'utf8')).trim()).toBe(first.JWT_SECRET);

    const second: Record<string, string | undefined> = {};
    await ensureQuickStartSecrets(second, join(dir, '.data'), (msg) => logs.push(msg));
    expect(second).toEqual(first);

    expect(logs).toHaveLength(4);
    expect(logs.filter((msg) => /generated one/.test(msg))).toHaveLength(2);
    expect(logs.filter((msg) => /generated earlier/.test(msg))).toHaveLength(2);
    expect(logs.join('\n')).not.toContain(first.JWT_SECRET);
    expect(logs.join('\n')).not.toContain(first.ENCRYPTION_KEY);
    // What it generated is what the configuration accepts.
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', ...second }),
    ).not.toThrow();
  });

  it('leaves secrets that are set alone', async () => {
    const env: Record<string, string | undefined> = { JWT_SECRET: 'given-secret-of-some-length' };
    await ensureQuickStartSecrets(env, dir, () => undefined);
    expect(env.JWT_SECRET).toBe('given-secret-of-some-length');
    await expect(stat(join(dir, 'jwt-secret'))).rejects.toThrow();
    expect(env.ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('loadConfig without secrets', () => {
  const base = { DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x' };
  it.each([
    [{ ENCRYPTION_KEY: 'a'.repeat(64) }, /JWT_SECRET is required/],
    [{ JWT_SECRET: 'a-secret-of-some-length' }, /ENCRYPTION_KEY is required/],
    [{}, /JWT_SECRET and ENCRYPTION_KEY are required/],
  ])('refuses %j', (secrets, message) => {
    expect(() => loadConfig({ ...base, ...secrets })).toThrow(message);
  });
});

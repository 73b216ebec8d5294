import { JwtService } from '@nestjs/jwt';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { auth, loginAdmin } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '..');
/** The development secret that earlier versions fell back to: public, so never to be accepted. */
const PUBLIC_DEV_SECRET = 'ote-dev-jwt-secret-change-me';

/** Runs the production entry point and returns how it ended, or fails if it is still running after `limitMs`. */
function runProduction(
  env: Record<string, string>,
  limitMs = 10_000,
): Promise<{ code: number | null; output: string; elapsedMs: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${limitMs} ms:\n${output}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, elapsedMs: Date.now() - started });
    });
  });
}

describe('production secrets (SPEC §12)', () => {
  describe('node dist/src/main.js (production, not the quick start)', () => {
    /** Everything a production start needs, except what a test leaves out. */
    let complete: Record<string, string>;

    beforeAll(() => {
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        { cwd: ROOT },
      );
      const inherited = Object.fromEntries(
        Object.entries(process.env).filter(
          (entry): entry is [string, string] => entry[1] !== undefined && !/SECRET|KEY/.test(entry[0]),
        ),
      );
      complete = {
        ...inherited,
        NODE_ENV: 'production',
        // Never reached: the configuration is refused before any connection is made.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:1',
        JWT_SECRET: 'a-production-secret-of-length',
        ENCRYPTION_KEY: 'ab'.repeat(32),
      };
    }, 120_000);

    it.each(['JWT_SECRET', 'ENCRYPTION_KEY'])(
      'refuses to start without %s, naming it, within seconds',
      async (name) => {
        const env = { ...complete };
        delete env[name];
        const result = await runProduction(env);
        expect(result.code).not.toBe(0);
        expect(result.code).not.toBeNull();
        expect(result.output).toContain(name);
        expect(result.elapsedMs).toBeLessThan(5000);
      },
    );

    it('names both when both are missing', async () => {
      const env = { ...complete };
      delete env.JWT_SECRET;
      delete env.ENCRYPTION_KEY;
      const result = await runProduction(env);
      expect(result.code).toBe(1);
      expect(result.output).toContain('JWT_SECRET');
      expect(result.output).toContain('ENCRYPTION_KEY');
    });

    it('gets past the secrets check when both are set (and then fails on the unreachable database)', async () => {
      const result = await runProduction(complete, 30_000);
      expect(result.code).not.toBe(0);
      expect(result.output).not.toMatch(/JWT_SECRET|ENCRYPTION_KEY/);
    }, 40_000);
  });

  describe('a token signed with the old public development secret', () => {
    let t: TestApp;
    /** A real token's claims (subject, token version, session start), re-signed by the test. */
    let claims: Record<string, unknown>;

    beforeAll(async () => {
      t = await startTestApp({ JWT_SECRET: 'a-real-secret-nobody-else-knows-42' });
      const token = await loginAdmin(t);
      const { sub, ver, auth_time } = new JwtService().decode<Record<string, unknown>>(token);
      claims = { sub, ver, auth_time };
    });
    afterAll(() => t.close());

    const forge = (secret: string) =>
      new JwtService({ secret }).sign({ ...claims, jti: randomUUID() }, { expiresIn: 3600 });

    it('is refused with 401', async () => {
      const response = await t
        .api()
        .get('/v1/authorization')
        .set(auth(forge(PUBLIC_DEV_SECRET)))
        .expect(401);
      expect(response.body.code).toBe(401);
      await t
        .api()
        .get('/v1/cluster')
        .set(auth(forge(PUBLIC_DEV_SECRET)))
        .expect(401);
    });

    it('while the same claims signed with the configured secret are accepted', async () => {
      await t
        .api()
        .get('/v1/authorization')
        .set(auth(forge(t.config.jwtSecret)))
        .expect(200);
    });
  });
});

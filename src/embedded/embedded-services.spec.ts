import { access, chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { sign } from 'jsonwebtoken';
import { Pool } from 'pg';
import { loadTokenSigningKey } from '../registry/token-key';
import { startEmbeddedServices } from './embedded-services';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('startEmbeddedServices', () => {
  let dir: string;
  let logs: string[];
  const log = (msg: string) => logs.push(msg);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ote-embedded-'));
    // As root, PostgreSQL runs as user postgres, who must be able to enter it (mkdtemp makes it 0700).
    await chmod(dir, 0o755);
  });
  beforeEach(() => (logs = []));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs PostgreSQL and Redis whose data outlives a restart', async () => {
    const first = await startEmbeddedServices({}, dir, log);
    try {
      expect(first.databaseUrl).toMatch(/^postgres:\/\/ote:[^@]+@127\.0\.0\.1:\d+\/ote$/);
      expect(first.redisUrl).toMatch(/^redis:\/\/:[^@]+@127\.0\.0\.1:\d+$/);
      const pool = new Pool({ connectionString: first.databaseUrl, max: 5 });
      try {
        // pg_sleep keeps all five queries open at once, each on its own server process.
        const results = await Promise.all(
          Array.from({ length: 5 }, () =>
            pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.2)'),
          ),
        );
        expect(new Set(results.map(({ rows }) => rows[0].pid)).size).toBe(5);
        await pool.query('CREATE TABLE kept (value text)');
        await pool.query("INSERT INTO kept VALUES ('from the first start')");
      } finally {
        await pool.end();
      }
      const redis = new IORedis(first.redisUrl!);
      await redis.set('kept', 'from the first start');
      await redis.quit();
    } finally {
      await first.stop();
    }
    expect(logs.some((msg) => msg.startsWith('creating a PostgreSQL cluster'))).toBe(true);
    // Both remove their pid files when they shut down cleanly.
    expect(await exists(join(dir, 'postgres', 'data', 'postmaster.pid'))).toBe(false);
    expect(await exists(join(dir, 'redis', 'redis.pid'))).toBe(false);

    logs = [];
    const second = await startEmbeddedServices({}, dir, log);
    try {
      const pool = new Pool({ connectionString: second.databaseUrl });
      try {
        const { rows } = await pool.query<{ value: string }>('SELECT value FROM kept');
        expect(rows).toEqual([{ value: 'from the first start' }]);
      } finally {
        await pool.end();
      }
      const redis = new IORedis(second.redisUrl!);
      expect(await redis.get('kept')).toBe('from the first start');
      await redis.quit();
    } finally {
      await second.stop();
    }
    expect(logs.some((msg) => msg.startsWith('creating a PostgreSQL cluster'))).toBe(false);
  });

  it('stops the servers that a previous run left running and takes over their data', async () => {
    const abandoned = await startEmbeddedServices({}, dir, log);
    // Starting again without stopping is what a run that died leaves behind, seen from the next one.
    const next = await startEmbeddedServices({}, dir, log);
    try {
      expect(logs.filter((msg) => msg.includes('that a previous run left running'))).toHaveLength(2);
      const pool = new Pool({ connectionString: next.databaseUrl });
      try {
        expect((await pool.query('SELECT value FROM kept')).rowCount).toBe(1);
      } finally {
        await pool.end();
      }
    } finally {
      await next.stop();
      await abandoned.stop();
    }
  });

  it('starts nothing when both URLs are given', async () => {
    const services = await startEmbeddedServices(
      { DATABASE_URL: 'postgres://elsewhere/db', REDIS_URL: 'redis://elsewhere' },
      join(dir, 'unused'),
      log,
    );
    expect(services.databaseUrl).toBeUndefined();
    expect(services.redisUrl).toBeUndefined();
    await services.stop();
    expect(await exists(join(dir, 'unused'))).toBe(false);
  });
});

describe('the embedded image registry', () => {
  let dir: string;
  const logs: string[] = [];
  const options = { platformPort: 18080, service: 'ote-registry', issuer: 'ote-stack' };
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'ote-embedded-registry-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs docker-registry trusting the platform, keeping its key and certificate across starts', async () => {
    const given = { DATABASE_URL: 'postgres://elsewhere/db', REDIS_URL: 'redis://elsewhere' };
    const first = await startEmbeddedServices(given, dir, (msg) => logs.push(msg), options);
    let certificate: string;
    try {
      expect(first.databaseUrl).toBeUndefined();
      expect(first.registry?.url).toMatch(/^127\.0\.0\.1:\d+$/);
      const base = `http://${first.registry!.url}`;
      const challenge = await fetch(`${base}/v2/`);
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get('www-authenticate')).toBe(
        'Bearer realm="http://127.0.0.1:18080/service/token",service="ote-registry"',
      );
      const key = await loadTokenSigningKey({
        keyFile: first.registry!.tokenKeyFile,
        certFile: first.registry!.tokenCertFile,
      });
      const now = Math.floor(Date.now() / 1000);
      const token = sign(
        {
          iss: 'ote-stack',
          sub: 'ote-stack',
          aud: 'ote-registry',
          iat: now,
          nbf: now - 1,
          exp: now + 60,
          jti: 'test',
          access: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
        },
        key.privateKey,
        { algorithm: key.algorithm, header: { alg: key.algorithm, x5c: [key.certificateDer] } },
      );
      const catalog = await fetch(`${base}/v2/_catalog`, { headers: { Authorization: `Bearer ${token}` } });
      expect(catalog.status).toBe(200);
      certificate = await readFile(first.registry!.tokenCertFile, 'utf8');
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedServices(given, dir, (msg) => logs.push(msg), options);
    try {
      expect(await readFile(second.registry!.tokenCertFile, 'utf8')).toBe(certificate);
    } finally {
      await second.stop();
    }
  });

  it('is not started when REGISTRY_URL is given', async () => {
    const services = await startEmbeddedServices(
      {
        DATABASE_URL: 'postgres://elsewhere/db',
        REDIS_URL: 'redis://elsewhere',
        REGISTRY_URL: 'registry.example',
      },
      join(dir, 'unused'),
      (msg) => logs.push(msg),
      options,
    );
    expect(services.registry).toBeUndefined();
    await services.stop();
    expect(await exists(join(dir, 'unused'))).toBe(false);
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { SecretBox } from '../src/common/secret-box';
import { FakeCluster, startFakeCluster } from './fake-kube';
import { clusterIdOf, queryDatabase, registerCluster, syncCluster } from './support/clusters';
import { auth, loginAdmin } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP service that records everything it receives and answers as `answer` says. */
async function startSink(
  answer: (response: ServerResponse) => void = (response) => response.end('ok'),
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const close = (server: Server | TcpServer) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('untrusted kubeconfigs (SPEC §4, §12)', () => {
  let t: TestApp;
  let admin: string;
  let cluster: FakeCluster;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let scratch: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    cluster = await startFakeCluster({ name: 'secure-edge', nodes: 1 });
    sink = await startSink();
    scratch = mkdtempSync(path.join(tmpdir(), 'kubeconfig-'));
  });

  afterAll(async () => {
    await close(sink.server);
    await cluster.stop();
    await t.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The fake cluster's kubeconfig with its current cluster and user edited. */
  const kubeconfigWith = (
    edit: (parts: { cluster: Record<string, unknown>; user: Record<string, unknown> }) => void,
  ): string => {
    const config = parse(cluster.kubeconfig);
    edit({ cluster: config.clusters[0].cluster, user: config.users[0].user });
    return stringify(config);
  };

  const register = (kubeconfig: string, clusterName = 'probe') =>
    t.api().post('/v1/cluster').set(auth(admin)).send({ clusterName, kubeconfig });

  /** No cluster row was written, and the sink heard nothing (so no file content went anywhere). */
  const expectNothingHappened = async () => {
    expect(await queryDatabase(t, "SELECT 1 FROM clusters WHERE name = 'probe'")).toHaveLength(0);
    expect(sink.received).toEqual([]);
  };

  describe('only inline credentials: anything that runs a command, reads a file or redirects is 422 naming it', () => {
    it('exec: the command never runs', async () => {
      const marker = path.join(scratch, 'exec-ran');
      const response = await register(
        kubeconfigWith(({ cluster, user }) => {
          cluster.server = sink.url;
          delete user.token;
          user.exec = {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: '/bin/sh',
            args: ['-c', `touch ${marker}; echo leaked >&2; exit 1`],
            interactiveMode: 'Never',
          };
        }),
      ).expect(422);
      expect(response.body).toEqual({ code: 422, message: expect.stringContaining('exec') });
      expect(response.body.message).not.toMatch(/leaked|touch|\/bin\/sh/);
      expect(existsSync(marker)).toBe(false);
      await expectNothingHappened();
    });

    it('auth-provider with tokenFile /proc/self/environ: the file is neither sent nor shown', async () => {
      const response = await register(
        kubeconfigWith(({ cluster, user }) => {
          cluster.server = sink.url;
          delete user.token;
          user['auth-provider'] = { name: 'tokenFile', config: { tokenFile: '/proc/self/environ' } };
        }),
      ).expect(422);
      expect(response.body).toEqual({ code: 422, message: expect.stringContaining('auth-provider') });
      expect(response.body.message).not.toMatch(/DATABASE_URL|JWT_SECRET|PATH=/);
      await expectNothingHappened();
    });

    it.each([
      ['user', 'tokenFile', '/proc/self/environ'],
      ['user', 'token-file', '/proc/self/environ'],
      ['user', 'client-certificate', '/etc/nonexistent'],
      ['user', 'client-key', '/etc/nonexistent'],
      ['cluster', 'certificate-authority', '/etc/nonexistent'],
      ['cluster', 'proxy-url', 'SINK'],
      ['user', 'as', 'system:admin'],
    ])('%s.%s is refused by name, without touching the file', async (part, field, value) => {
      const response = await register(
        kubeconfigWith((parts) => {
          parts.cluster.server = sink.url;
          parts[part as 'user' | 'cluster'][field] = value === 'SINK' ? sink.url : value;
        }),
      ).expect(422);
      expect(response.body).toEqual({ code: 422, message: expect.stringContaining(field) });
      expect(response.body.message).not.toMatch(/ENOENT|no such file|nonexistent|environ/i);
      await expectNothingHappened();
    });

    it.each([
      ['a file URL', 'file:///etc/passwd'],
      ['no URL at all', 'not a url'],
      ['a URL with credentials', 'https://user:pass@127.0.0.1:6443'],
    ])('server must be an http(s) URL: 422 for %s', async (_what, server) => {
      const response = await register(kubeconfigWith((parts) => (parts.cluster.server = server))).expect(422);
      expect(response.body.message).toContain('server');
      await expectNothingHappened();
    });

    it.each([
      ['YAML', stringify],
      ['JSON', JSON.stringify],
    ])(
      'a stored kubeconfig (%s) passes the same gate before every use (here: a node sync)',
      async (format, write) => {
        const name = `stored-${format.toLowerCase()}`;
        const stored = await startFakeCluster({ name, nodes: 1 });
        try {
          await registerCluster(t, admin, name, stored);
          const clusterId = await clusterIdOf(t, admin, name);
          const marker = path.join(scratch, `${name}-exec-ran`);
          const config = parse(stored.kubeconfig);
          config.users[0].user.exec = { command: '/bin/sh', args: ['-c', `touch ${marker}`] };
          await queryDatabase(t, 'UPDATE clusters SET kubeconfig_sealed = $1 WHERE id = $2', [
            t.app.get(SecretBox).seal(write(config)),
            clusterId,
          ]);
          await syncCluster(t, clusterId);
          expect(existsSync(marker)).toBe(false);
          const [row] = await queryDatabase<{ last_sync_error: string }>(
            t,
            'SELECT last_sync_error FROM clusters WHERE id = $1',
            [clusterId],
          );
          expect(row.last_sync_error).toContain('exec');
          const list = await t.api().get('/v1/cluster').set(auth(admin)).expect(200);
          expect(
            list.body.data.find((row: { clusterName: string }) => row.clusterName === name),
          ).toMatchObject({
            isReady: false,
          });
        } finally {
          await stored.stop();
        }
      },
    );

    it('what is stored of a kubeconfig is the current context with its cluster and user, as JSON', async () => {
      const kept = await startFakeCluster({ name: 'kept-edge', nodes: 1 });
      try {
        const offered = parse(kept.kubeconfig);
        offered.users.push({ name: 'unused', user: { token: 'never-stored' } });
        offered.contexts.push({
          name: 'unused',
          context: { cluster: offered.clusters[0].name, user: 'unused' },
        });
        await register(stringify(offered), 'kept-edge').expect(200);
        const [row] = await queryDatabase<{ kubeconfig_sealed: string }>(
          t,
          'SELECT kubeconfig_sealed FROM clusters WHERE name = $1',
          ['kept-edge'],
        );
        const stored = JSON.parse(t.app.get(SecretBox).open(row.kubeconfig_sealed));
        expect(stored.users).toEqual([offered.users[0]]);
        expect(stored.contexts.map((context: { name: string }) => context.name)).toEqual([
          offered['current-context'],
        ]);
        expect(JSON.stringify(stored)).not.toContain('never-stored');
      } finally {
        await kept.stop();
      }
    });

    it('the fake cluster kubeconfig (inline token, insecure-skip-tls-verify on http) is accepted', async () => {
      await registerCluster(t, admin, 'secure-edge', cluster);
    });
  });

  describe('cluster errors are reported in our own words, never the remote body', () => {
    const DISTINCTIVE = 'XYZZY-remote-body-7f3a';
    /** A Kubernetes `Status` failure body that carries the distinctive text. */
    const kubeStatus = (code: number) =>
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: DISTINCTIVE, code });

    it.each([
      [200, 'text/html', `<html>${DISTINCTIVE}</html>`, /not a Kubernetes API server/],
      [200, 'application/json', `{"message":"${DISTINCTIVE}"}`, /not a Kubernetes API server/],
      [200, 'application/json', `{"items": 5, "x": "${DISTINCTIVE}"`, /not a Kubernetes API server/],
      [401, 'text/plain', DISTINCTIVE, /refused the credentials \(HTTP 401\)/],
      [403, 'application/json', kubeStatus(403), /refused the credentials \(HTTP 403\)/],
      [404, 'text/plain', DISTINCTIVE, /not a Kubernetes API server/],
      [422, 'application/json', kubeStatus(422), /HTTP 422/],
      [500, 'text/plain', DISTINCTIVE, /cluster error \(HTTP 500\)/],
      [502, 'application/json', `{"message":"${DISTINCTIVE}"}`, /cluster error \(HTTP 502\)/],
    ])('HTTP %i %s: 422 with a reason of our own', async (status, contentType, body, reason) => {
      const service = await startSink((response) => {
        response.writeHead(status, { 'Content-Type': contentType });
        response.end(body);
      });
      try {
        const response = await register(
          kubeconfigWith((parts) => (parts.cluster.server = service.url)),
        ).expect(422);
        expect(response.body).toEqual({ code: 422, message: expect.stringMatching(reason) });
        expect(response.body.message).toMatch(/^kubeconfig: /);
        expect(JSON.stringify(response.body)).not.toContain(DISTINCTIVE);
        expect(service.received.length).toBeGreaterThan(0);
      } finally {
        await close(service.server);
      }
    });

    it('a TLS failure is named as one, without the local error text', async () => {
      // An https:// server URL pointing at a plain HTTP service: the TLS handshake fails.
      const service = await startSink();
      try {
        const response = await register(
          kubeconfigWith((parts) => {
            parts.cluster.server = service.url.replace('http:', 'https:');
            delete parts.cluster['insecure-skip-tls-verify'];
          }),
        ).expect(422);
        expect(response.body).toEqual({
          code: 422,
          message: expect.stringMatching(/^kubeconfig: TLS failure/),
        });
        expect(response.body.message).not.toMatch(/SSL|ssl3|openssl|wrong version|routines/i);
      } finally {
        await close(service.server);
      }
    });

    it('a server that never answers is a timeout, reported within the registration deadline', async () => {
      const sockets: Socket[] = [];
      const silent = createTcpServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      try {
        const started = Date.now();
        const response = await register(
          kubeconfigWith((parts) => (parts.cluster.server = `http://127.0.0.1:${port}`)),
        ).expect(422);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(response.body).toEqual({
          code: 422,
          message: 'kubeconfig: the cluster did not answer in time',
        });
      } finally {
        for (const socket of sockets) socket.destroy();
        await close(silent);
      }
    });

    it('a refused connection names no local error text', async () => {
      const service = await startSink();
      await close(service.server);
      const response = await register(kubeconfigWith((parts) => (parts.cluster.server = service.url))).expect(
        422,
      );
      expect(response.body).toEqual({
        code: 422,
        message: 'kubeconfig: cluster unreachable (connection refused)',
      });
    });

    it('invalid YAML is named by kind and position, never quoted', async () => {
      const secret = 'SECRET-token-9c1e';
      const response = await register(`users:\n- name: x\n  user:\n    token: "${secret}\n  : [\n`).expect(
        422,
      );
      expect(response.body.message).toMatch(/^kubeconfig: not valid YAML: .+ at line \d+, column \d+$/);
      expect(response.body.message).not.toContain(secret);
    });
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import { eventually } from '../../test/support/eventually';
import { startFakeCluster, type FakeCluster } from '../sim';
import { makeKubeClients, withDeadline, type KubeClients } from './kube-clients';
import { toKubeError } from './kube-error';
import { canonicalKubeconfig, openStoredKubeconfig } from './kubeconfig';

describe('kube clients', () => {
  let cluster: FakeCluster;
  let clients: KubeClients;

  beforeEach(async () => {
    cluster = await startFakeCluster({ name: 'reuse', nodes: 1 });
    clients = makeKubeClients(openStoredKubeconfig(canonicalKubeconfig(cluster.kubeconfig)));
  });
  afterEach(async () => {
    await clients.close();
    await cluster.stop();
  });

  it("send a cluster's requests one after another on one connection", async () => {
    // As a placement does: an apply, then at once a read of the pods.
    await clients.sendJson({
      method: 'PATCH',
      path: '/api/v1/namespaces/default/configmaps/settings',
      query: { fieldManager: 'ote-edge-platform', force: 'true' },
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' } },
      contentType: 'application/apply-patch+yaml',
    });
    await clients.getJson('/api/v1/namespaces/default/pods');
    await clients.getJson('/api/v1/namespaces/default/configmaps/settings');
    expect(cluster.requestLog).toHaveLength(3);
    expect(cluster.connectionsAccepted).toBe(1);
  });

  it('open a connection per request only for requests at the same time', async () => {
    await Promise.all([1, 2, 3].map(() => clients.getJson('/api/v1/namespaces/default/pods')));
    expect(cluster.connectionsAccepted).toBe(3);
  });

  it('keep an idle connection for their keep-alive, then close it themselves', async () => {
    // The cluster keeps it 90 s and sends no hint (as kube-apiserver): the clients' setting decides.
    const brief = makeKubeClients(openStoredKubeconfig(canonicalKubeconfig(cluster.kubeconfig)), {
      keepAliveMs: 300,
    });
    try {
      await brief.getJson('/api/v1/namespaces/default/pods');
      expect(cluster.openConnections).toBe(1);
      const began = Date.now();
      await eventually(
        () => cluster.openConnections,
        (open) => open === 0,
        { timeoutMs: 10_000, intervalMs: 50, what: 'the idle connection closed' },
      );
      // Well before undici's own default (4 s) would have closed it.
      expect(Date.now() - began).toBeLessThan(2_000);
    } finally {
      await brief.close();
    }
  });

  /** Clients of a server on 127.0.0.1 that `serve` answers as it likes: a 300 ms deadline, answers up to 64 KiB. */
  async function againstServer(
    serve: (socket: Socket) => void,
    use: (clients: KubeClients) => Promise<void>,
  ) {
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => {
      sockets.push(socket);
      // The clients hang up on a server that does not answer as it should: its writes then fail.
      socket.on('error', () => undefined);
      serve(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const kubeconfig = cluster.kubeconfig.replace(cluster.url, `http://127.0.0.1:${port}`);
    const patient = makeKubeClients(openStoredKubeconfig(canonicalKubeconfig(kubeconfig)), {
      timeoutMs: 300,
      maxAnswerBytes: 64 * 1024,
    });
    try {
      await use(patient);
    } finally {
      await patient.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  /** A server that, once the request comes, starts a 200 JSON answer of `length` bytes and lets `body` send it. */
  const answering =
    (length: number, body: (socket: Socket) => void) =>
    (socket: Socket): void => {
      socket.once('data', () => {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
        );
        body(socket);
      });
    };

  const timedOut = async (request: Promise<unknown>) => {
    const began = Date.now();
    const error = toKubeError(
      await request.then(
        () => undefined,
        (failure: unknown) => failure,
      ),
    );
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect([error.kind, error.message]).toEqual(['unreachable', 'the cluster did not answer in time']);
  };

  it('give up on a cluster that takes a request and never answers, at their deadline', async () => {
    await againstServer(
      () => undefined,
      async (patient) => {
        await timedOut(patient.getJson('/api/v1/namespaces/default/pods'));
        await timedOut(patient.core.listNode());
      },
    );
  });

  it('give up on a cluster that trickles its answer: the deadline covers reading it', async () => {
    const trickle = answering(1000, (socket) => {
      socket.write('{');
      const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write(' ')), 50);
      socket.on('close', () => clearInterval(drip));
    });
    await againstServer(trickle, async (patient) => {
      await timedOut(patient.getJson('/api/v1/namespaces/default/pods'));
      await timedOut(patient.core.listNode());
    });
  });

  it('refuse an answer larger than their cap, however fast it comes', async () => {
    const flood = answering(1024 * 1024, (socket) => socket.write(`[${' '.repeat(1024 * 1024 - 2)}]`));
    await againstServer(flood, async (patient) => {
      const failure = await patient.getJson('/api/v1/nodes').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
      const error = toKubeError(failure);
      expect([error.kind, error.message]).toEqual([
        'server_error',
        'the answer from the cluster is too large',
      ]);
    });
  });
});

describe('a request deadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends with the request: nothing fires once it is answered', async () => {
    let seen: AbortSignal | undefined;
    await expect(
      withDeadline(50, async (signal) => {
        seen = signal;
        return 'answered';
      }),
    ).resolves.toBe('answered');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(seen?.aborted).toBe(false);
  });

  it('aborts a request still under way when it passes, as a timeout', async () => {
    const pending = withDeadline(
      50,
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    jest.advanceTimersByTime(50);
    const error = toKubeError(await pending.catch((failure: unknown) => failure));
    expect([error.kind, error.message]).toEqual(['unreachable', 'the cluster did not answer in time']);
  });
});

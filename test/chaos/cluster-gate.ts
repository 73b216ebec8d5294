import net from 'node:net';
import type { FakeCluster } from '../fake-kube';

/**
 * A TCP gate in front of a fake cluster: registered with the gate's kubeconfig, the cluster is reached
 * through it. Open, it forwards; black-holed, it accepts connections and never answers, as a cluster
 * behind a dead link or a hung API server does (no refusal, no reset: the client must time out).
 */
export class ClusterGate {
  private mode: 'open' | 'black-hole' = 'open';
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => this.accept(socket));
  kubeconfig = '';

  private constructor(readonly cluster: FakeCluster) {}

  static async start(cluster: FakeCluster): Promise<ClusterGate> {
    const gate = new ClusterGate(cluster);
    await new Promise<void>((resolve) => gate.server.listen(0, '127.0.0.1', resolve));
    const { port } = gate.server.address() as net.AddressInfo;
    const target = new URL(cluster.url);
    gate.kubeconfig = cluster.kubeconfig.replace(cluster.url, `http://127.0.0.1:${port}`);
    if (gate.kubeconfig === cluster.kubeconfig) throw new Error(`no ${target.href} in the kubeconfig`);
    return gate;
  }

  get name(): string {
    return this.cluster.name;
  }

  /** Switching drops every connection, so that the client's next one meets the new mode. */
  setMode(mode: 'open' | 'black-hole'): void {
    this.mode = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private accept(socket: net.Socket): void {
    this.track(socket);
    if (this.mode === 'black-hole') return;
    const upstream = net.connect(Number(new URL(this.cluster.url).port), '127.0.0.1');
    this.track(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async stop(): Promise<void> {
    this.setMode('black-hole');
    await new Promise((resolve) => this.server.close(resolve));
  }
}

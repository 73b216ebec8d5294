/** The cluster facade: a simulated cluster listening on 127.0.0.1, with its kubeconfig and control API. */
import { ApiHttpServer } from './http-server';
import { D, defByKind } from './resources';
import type { ClusterMode, FakeCluster, FakeClusterOptions, FakeNodeSpec } from './types';
import { J, clone } from './util';

/** Starts a simulated cluster; its kubeconfig reaches it on 127.0.0.1 at a free port. */
export async function startFakeCluster(opts: FakeClusterOptions = {}): Promise<FakeCluster> {
  const c = new FakeKubeCluster(opts);
  await c.listen();
  return c;
}

/** Only what a kubeconfig needs of YAML: a JSON string is a valid YAML scalar. */
function yq(s: string): string {
  return JSON.stringify(s);
}

class FakeKubeCluster extends ApiHttpServer implements FakeCluster {
  url = '';
  kubeconfig = '';
  private stopped = false;

  constructor(opts: FakeClusterOptions) {
    super(opts);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      this.createNamespaceInternal(ns);
    this.internalCreate(D.svc, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: {
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
        clusterIP: '10.96.0.1',
        type: 'ClusterIP',
      },
    });
    const nodes = opts.nodes ?? 1;
    const specs: FakeNodeSpec[] =
      typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => ({ name: `node-${i}` })) : nodes;
    for (const s of specs) this.addNodeInternal(s);
    this.reconcile();
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('fake-kube: no address');
    this.port = addr.port;
    this.url = `http://127.0.0.1:${this.port}`;
    const user = `${this.name}-admin`;
    this.kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${yq(this.name)}`,
      '  cluster:',
      `    server: ${yq(this.url)}`,
      // client-node refuses plain http:// servers unless TLS verification is (vacuously) skipped
      '    insecure-skip-tls-verify: true',
      'contexts:',
      `- name: ${yq(this.name)}`,
      '  context:',
      `    cluster: ${yq(this.name)}`,
      `    user: ${yq(user)}`,
      '    namespace: default',
      `current-context: ${yq(this.name)}`,
      'preferences: {}',
      'users:',
      `- name: ${yq(user)}`,
      '  user:',
      `    token: ${yq(this.token)}`,
      '',
    ].join('\n');
  }

  // ---- public control API -------------------------------------------------

  get mode(): ClusterMode {
    return this._mode;
  }

  set mode(m: ClusterMode) {
    void this.setMode(m);
  }

  async setMode(mode: ClusterMode): Promise<void> {
    this._mode = mode;
    if (mode === 'unreachable') {
      for (const s of this.sockets) s.resetAndDestroy();
      this.sockets.clear();
      return;
    }
    this.simMode = mode;
    this.reconcile();
  }

  setNodeReady(node: string, ready: boolean): void {
    const n = this.getLive(D.node, undefined, node);
    if (!n) throw new Error(`fake-kube: no node ${node}`);
    this.applyNodeReady(n, ready);
    this.write(D.node, n);
    this.reconcile();
  }

  addNode(spec: FakeNodeSpec): void {
    this.addNodeInternal(spec);
    this.reconcile();
  }

  removeNode(name: string): void {
    const n = this.getLive(D.node, undefined, name);
    if (!n) throw new Error(`fake-kube: no node ${name}`);
    this.deleteLive(D.node, n);
    this.reconcile();
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): J | undefined {
    const def = defByKind(apiVersion, kind);
    if (!def) return undefined;
    return clone(this.getLive(def, def.namespaced ? namespace : undefined, name));
  }

  list(apiVersion: string, kind: string, namespace?: string): J[] {
    const def = defByKind(apiVersion, kind);
    if (!def) return [];
    return this.listLive(def, def.namespaced ? namespace : undefined).map((o) => clone(o));
  }

  apply(obj: J): J {
    const def = defByKind(String(obj?.apiVersion), String(obj?.kind));
    if (!def) throw new Error(`fake-kube: unknown apiVersion/kind ${obj?.apiVersion} ${obj?.kind}`);
    const ns = def.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
    const existing = this.getLive(def, ns, obj.metadata?.name);
    const body = clone(obj);
    if (existing) {
      if (body.metadata) delete body.metadata.resourceVersion;
      const r = clone(this.doReplace(def, ns, existing.metadata.name, body, false, false));
      this.reconcile();
      return r;
    }
    const created = clone(this.doCreate(def, ns, body, false));
    this.reconcile();
    return created;
  }

  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const def = defByKind(apiVersion, kind);
    if (!def) return false;
    const o = this.getLive(def, def.namespaced ? namespace : undefined, name);
    if (!o) return false;
    this.deleteLive(def, o);
    this.reconcile();
    return true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

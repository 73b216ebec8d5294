/** The HTTP front: authentication, discovery documents, URL routing to the verbs. */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApiError, E, statusBody, parseBody } from './errors';
import { GROUP_VERSIONS, RESOURCES, ResDef, findDef, gvOf } from './resources';
import type { ClusterMode, FakeClusterOptions, RequestLogEntry } from './types';
import { J, JsonText, MAX_BODY, REQUEST_LOG_CAP, jsonText } from './util';
import { ApiVerbs } from './verbs';

/** kube-apiserver's http.Server IdleTimeout (k8s.io/apiserver, secure_serving.go). */
const APISERVER_IDLE_TIMEOUT_MS = 90_000;

interface ParsedPath {
  def: ResDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

/** A create or replace takes JSON (or a `+json` type) only, as the API server without protobuf does. */
function requireJson(ct: string | undefined): void {
  if (ct && ct !== 'application/json' && !ct.endsWith('+json'))
    throw E.unsupportedMedia(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
}

export abstract class ApiHttpServer extends ApiVerbs {
  token: string;
  requestLog: RequestLogEntry[] = [];
  protected _mode: ClusterMode;
  protected readonly server: http.Server;
  protected readonly sockets = new Set<Socket>();
  connectionsAccepted = 0;
  get openConnections(): number {
    return this.sockets.size;
  }
  latencyMs: number;
  protected port = 0;

  constructor(opts: FakeClusterOptions) {
    super(opts);
    this.token = opts.token ?? randomBytes(16).toString('hex');
    this._mode = opts.mode ?? 'healthy';
    this.latencyMs = opts.latencyMs ?? 0;
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    // kube-apiserver closes a connection idle for 90 s (its http.Server's IdleTimeout), not after
    // Node's default 5 s.
    this.server.keepAliveTimeout = APISERVER_IDLE_TIMEOUT_MS;
    this.server.on('connection', (sock: Socket) => {
      if (this._mode === 'unreachable') {
        sock.resetAndDestroy();
        return;
      }
      this.sockets.add(sock);
      this.connectionsAccepted++;
      sock.on('close', () => this.sockets.delete(sock));
    });
    this.server.on('clientError', (_err, sock) => {
      if (!sock.destroyed) sock.destroy();
    });
  }

  // ---- HTTP ---------------------------------------------------------------

  protected onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this._mode === 'unreachable') {
      req.socket.resetAndDestroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    const answer = () => {
      if (this._mode === 'unreachable') {
        req.socket.resetAndDestroy();
        return;
      }
      let status = 500;
      let body: J;
      try {
        if (tooBig) throw E.tooLarge();
        const r = this.handle(req, Buffer.concat(chunks).toString('utf8'));
        status = r[0];
        body = r[1];
      } catch (e) {
        if (e instanceof ApiError) {
          status = e.code;
          body = e.body;
        } else {
          status = 500;
          body = statusBody(
            500,
            'InternalError',
            `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      }
      this.logRequest(req, status);
      const text =
        typeof body === 'string' ? body : body instanceof JsonText ? body.text : JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-cache, private',
        'Audit-Id': randomUUID(),
        // Said explicitly so that Node adds no `Keep-Alive: timeout=` hint: kube-apiserver (Go) sends
        // none, and a client cannot learn from it how long the server keeps an idle connection.
        ...(res.shouldKeepAlive ? { Connection: 'keep-alive' } : {}),
      });
      res.end(text);
    };
    // The request is read at once, as a cluster would; its answer comes back after the round trip.
    req.on('end', () => (this.latencyMs > 0 ? setTimeout(answer, this.latencyMs) : answer()));
    req.on('error', () => {
      if (!res.headersSent) res.destroy();
    });
  }

  protected logRequest(req: http.IncomingMessage, status: number): void {
    this.requestLog.push({ method: req.method ?? 'GET', path: req.url ?? '/', status });
    if (this.requestLog.length > REQUEST_LOG_CAP)
      this.requestLog.splice(0, this.requestLog.length - REQUEST_LOG_CAP);
  }

  protected handle(req: http.IncomingMessage, rawBody: string): [number, J] {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (!m || m[1] !== this.token) throw E.unauthorized();

    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const q = url.searchParams;
    const segs = url.pathname
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));

    // non-resource endpoints
    if (segs.length === 0) {
      return [
        200,
        {
          paths: [
            '/api',
            '/api/v1',
            '/apis',
            ...GROUP_VERSIONS.filter((g) => g.includes('/')).map((g) => `/apis/${g}`),
            '/healthz',
            '/livez',
            '/readyz',
            '/version',
          ],
        },
      ];
    }
    if (segs.length === 1 && ['healthz', 'livez', 'readyz'].includes(segs[0] as string)) {
      if (method !== 'GET') throw E.methodNotAllowed();
      return [200, 'ok'];
    }
    if (segs.length === 1 && segs[0] === 'version') {
      return [
        200,
        {
          major: '1',
          minor: '31',
          gitVersion: 'v1.31.4',
          gitCommit: 'a78aa47129b8539636eb86a9d00e31b2720fe06b',
          gitTreeState: 'clean',
          buildDate: '2024-12-10T18:36:34Z',
          goVersion: 'go1.22.9',
          compiler: 'gc',
          platform: 'linux/amd64',
        },
      ];
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api') {
      if (segs.length === 1)
        return [
          200,
          {
            kind: 'APIVersions',
            versions: ['v1'],
            serverAddressByClientCIDRs: [
              { clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` },
            ],
          },
        ];
      group = '';
      version = segs[1] as string;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis') {
      if (segs.length === 1) return [200, this.apiGroupList()];
      const g = segs[1] as string;
      const gvs = GROUP_VERSIONS.filter((x) => x.startsWith(g + '/'));
      if (gvs.length === 0) throw E.pathNotFound();
      if (segs.length === 2) return [200, { kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(g) }];
      group = g;
      version = segs[2] as string;
      rest = segs.slice(3);
    } else {
      throw E.pathNotFound();
    }
    const gv = group ? `${group}/${version}` : version;
    if (!GROUP_VERSIONS.includes(gv)) throw E.pathNotFound();
    if (rest.length === 0) {
      if (method !== 'GET') throw E.methodNotAllowed();
      return [200, this.resourceList(gv)];
    }
    const p = this.parseResourcePath(group, version, rest);
    return this.dispatch(method, p, q, rawBody, req.headers['content-type'] ?? '');
  }

  protected apiGroup(g: string): J {
    const versions = GROUP_VERSIONS.filter((x) => x.startsWith(g + '/')).map((x) => ({
      groupVersion: x,
      version: x.split('/')[1],
    }));
    return { name: g, versions, preferredVersion: versions[0] };
  }

  protected apiGroupList(): J {
    const groups: string[] = [];
    for (const gv of GROUP_VERSIONS) {
      if (!gv.includes('/')) continue;
      const g = gv.split('/')[0] as string;
      if (!groups.includes(g)) groups.push(g);
    }
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => this.apiGroup(g)) };
  }

  protected resourceList(gv: string): J {
    const resources: J[] = [];
    for (const r of RESOURCES) {
      if (gvOf(r) !== gv) continue;
      const e: J = {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
      };
      if (r.shortNames.length) e.shortNames = r.shortNames;
      if (
        [
          'pods',
          'services',
          'deployments',
          'daemonsets',
          'statefulsets',
          'replicasets',
          'jobs',
          'cronjobs',
          'horizontalpodautoscalers',
        ].includes(r.plural)
      )
        e.categories = ['all'];
      e.storageVersionHash = createHash('sha256')
        .update(gv + r.plural)
        .digest('base64')
        .slice(0, 11);
      resources.push(e);
      // Each subresource: what kubectl's discovery shows for it (kind and verbs, `scale` in its own group).
      const SUBRESOURCES: Record<string, J> = {
        scale: { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
        status: { kind: r.kind, verbs: ['get', 'patch', 'update'] },
        log: { kind: 'Pod', verbs: ['get'] },
        finalize: { kind: r.kind, verbs: ['update'] },
      };
      for (const sub of r.subresources) {
        if (SUBRESOURCES[sub])
          resources.push({
            name: `${r.plural}/${sub}`,
            singularName: '',
            namespaced: r.namespaced,
            ...SUBRESOURCES[sub],
          });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }

  protected parseResourcePath(group: string, version: string, rest: string[]): ParsedPath {
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string | undefined;
    let extra: string[];
    if (
      rest[0] === 'namespaces' &&
      rest.length >= 3 &&
      !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
    ) {
      namespace = rest[1];
      plural = rest[2] as string;
      name = rest[3];
      sub = rest[4];
      extra = rest.slice(5);
    } else {
      plural = rest[0] as string;
      name = rest[1];
      sub = rest[2];
      extra = rest.slice(3);
    }
    const def = findDef(group, version, plural);
    if (!def || extra.length > 0) throw E.pathNotFound();
    if (!def.namespaced && namespace !== undefined) throw E.pathNotFound();
    if (def.namespaced && namespace === undefined && name !== undefined) throw E.pathNotFound();
    if (sub !== undefined && !def.subresources.includes(sub)) throw E.pathNotFound();
    return { def, namespace, name, sub };
  }

  protected dispatch(
    method: string,
    p: ParsedPath,
    q: URLSearchParams,
    raw: string,
    contentType: string,
  ): [number, J] {
    const { def, namespace, name, sub } = p;
    const dryRun = q.getAll('dryRun').includes('All');
    const ct = (contentType.split(';')[0] ?? '').trim().toLowerCase();
    if (name === undefined) {
      switch (method) {
        case 'GET':
          if (q.get('watch') === 'true' || q.get('watch') === '1') throw E.methodNotAllowed();
          return [200, jsonText(this.doList(def, namespace, q, false))];
        case 'POST': {
          if (def.namespaced && namespace === undefined) throw E.methodNotAllowed();
          requireJson(ct);
          const body = parseBody(raw);
          const created = this.doCreate(def, namespace, body, dryRun);
          const out = jsonText(created);
          if (!dryRun) this.reconcile();
          return [201, out];
        }
        case 'DELETE':
          if (!def.verbs.includes('deletecollection')) throw E.methodNotAllowed();
          return [200, this.doDeleteCollection(def, namespace, q, dryRun)];
        default:
          throw E.methodNotAllowed();
      }
    }
    if (sub === 'scale') return this.handleScale(method, def, namespace, name, raw, ct);
    if (sub === 'log') {
      if (method !== 'GET') throw E.methodNotAllowed();
      return this.podLog(namespace, name, q);
    }
    switch (method) {
      case 'GET': {
        const o = this.getLive(def, namespace, name);
        if (!o) throw E.notFound(def, name);
        return [200, jsonText(o)];
      }
      case 'PUT': {
        if (sub === 'finalize') {
          const o = this.getLive(def, namespace, name);
          if (!o) throw E.notFound(def, name);
          return [200, jsonText(o)];
        }
        requireJson(ct);
        const body = parseBody(raw);
        const out = jsonText(this.doReplace(def, namespace, name, body, dryRun, sub === 'status'));
        if (!dryRun) this.reconcile();
        return [200, out];
      }
      case 'PATCH': {
        const r = this.doPatch(def, namespace, name, raw, ct, q, dryRun, sub === 'status');
        if (!dryRun) this.reconcile();
        return r;
      }
      case 'DELETE': {
        if (sub !== undefined) throw E.methodNotAllowed();
        let opts: J = {};
        if (raw.trim()) {
          try {
            opts = JSON.parse(raw);
          } catch {
            throw E.badRequest('the object provided is unrecognized');
          }
        }
        const policy = opts?.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
        const r = this.doDelete(def, namespace, name, opts, policy, dryRun);
        if (!dryRun) this.reconcile();
        return r;
      }
      default:
        throw E.methodNotAllowed();
    }
  }
}

/*
 * In-process fake Kubernetes API server for tests.
 *
 * Speaks the Kubernetes REST API (JSON over plain HTTP) on 127.0.0.1 so that
 * product code using @kubernetes/client-node and a kubeconfig cannot tell it
 * from a real cluster. Node built-ins only. See README.md next to this file.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

export type ClusterMode = 'healthy' | 'crash' | 'unreachable';

export interface FakeNodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  gpu?: number;
  internalIP?: string;
  osImage?: string;
  operatingSystem?: string;
  kernelVersion?: string;
  ready?: boolean;
  labels?: Record<string, string>;
}

export interface FakeClusterOptions {
  name?: string;
  nodes?: FakeNodeSpec[] | number;
  mode?: ClusterMode;
  token?: string;
  /** Pods whose container image is in this list end in ErrImagePull. */
  failingImages?: string[];
  /** Enforce cpu/memory/ephemeral-storage/nvidia.com/gpu requests against node allocatable when scheduling (default true). */
  enforceResources?: boolean;
}

export interface RequestLogEntry {
  method: string;
  /** Request URI as received: path plus query string. */
  path: string;
  status: number;
}

export interface FakeCluster {
  readonly name: string;
  readonly url: string;
  /** Kubeconfig YAML: current-context set, bearer-token user, server http://127.0.0.1:PORT */
  readonly kubeconfig: string;
  readonly token: string;
  mode: ClusterMode;
  setMode(mode: ClusterMode): Promise<void>;
  setNodeReady(node: string, ready: boolean): void;
  addNode(spec: FakeNodeSpec): void;
  removeNode(name: string): void;
  /** Raw stored object (deep copy, with apiVersion and kind) or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): any | undefined;
  /** Raw stored objects (deep copies, with apiVersion and kind), sorted by namespace/name. */
  list(apiVersion: string, kind: string, namespace?: string): any[];
  /** Create or replace an object directly (no HTTP, no auth, no log entry); controllers run. Returns the stored copy. */
  apply(obj: any): any;
  /** Delete an object directly (garbage collection runs). Returns true if it existed. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  requestLog: RequestLogEntry[];
  stop(): Promise<void>;
}

export async function startFakeCluster(opts: FakeClusterOptions = {}): Promise<FakeCluster> {
  const c = new FakeKubeCluster(opts);
  await c.listen();
  return c;
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

type J = any;

let clusterCounter = 0;
const REQUEST_LOG_CAP = 20000;
const MAX_BODY = 3 * 1024 * 1024;
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isObj(v: J): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: J, b: J): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEqual(a[k], b[k])) return false;
  return true;
}

function nowTs(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return s;
}

function stableStringify(v: J): string {
  if (Array.isArray(v)) return '[' + v.map(stableStringify).join(',') + ']';
  if (isObj(v)) {
    return (
      '{' +
      Object.keys(v)
        .filter((k) => v[k] !== undefined)
        .sort()
        .map((k) => JSON.stringify(k) + ':' + stableStringify(v[k]))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(v);
}

/** Like the pod-template-hash: a short string over a "safe" alphabet derived from a hash. */
function safeHash(v: J): string {
  const h = createHash('sha256').update(stableStringify(v)).digest();
  const dec = String(h.readUInt32BE(0));
  let out = '';
  for (const ch of dec) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

function omitZero(o: Record<string, J>): Record<string, J> {
  for (const k of Object.keys(o)) if (o[k] === 0 || o[k] === undefined) delete o[k];
  return o;
}

// ---------------------------------------------------------------------------
// Resource table (what discovery reports and the generic store serves)
// ---------------------------------------------------------------------------

interface ResDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  subresources: string[];
  hasStatus: boolean;
  generation: boolean;
  deleteReturnsObject: boolean;
  nameRule: 'label' | 'subdomain' | 'dns1035' | 'path';
}

const STD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function rd(
  gv: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  o: Partial<Omit<ResDef, 'group' | 'version' | 'plural' | 'kind' | 'namespaced'>> = {},
): ResDef {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  return {
    group,
    version,
    plural,
    kind,
    namespaced,
    singular: o.singular ?? kind.toLowerCase(),
    shortNames: o.shortNames ?? [],
    verbs: o.verbs ?? STD_VERBS,
    subresources: o.subresources ?? [],
    hasStatus: o.hasStatus ?? false,
    generation: o.generation ?? false,
    deleteReturnsObject: o.deleteReturnsObject ?? false,
    nameRule: o.nameRule ?? 'subdomain',
  };
}

const WL = { hasStatus: true, generation: true };
const RESOURCES: ResDef[] = [
  rd('v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  rd('v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  rd('v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  rd('v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  rd('v1', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['finalize', 'status'],
    hasStatus: true,
    deleteReturnsObject: true,
    nameRule: 'label',
  }),
  rd('v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'], hasStatus: true }),
  rd('v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, {
    shortNames: ['pvc'],
    subresources: ['status'],
    hasStatus: true,
  }),
  rd('v1', 'persistentvolumes', 'PersistentVolume', false, {
    shortNames: ['pv'],
    subresources: ['status'],
    hasStatus: true,
  }),
  rd('v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    subresources: ['log', 'status'],
    hasStatus: true,
    deleteReturnsObject: true,
  }),
  rd('v1', 'resourcequotas', 'ResourceQuota', true, {
    shortNames: ['quota'],
    subresources: ['status'],
    hasStatus: true,
  }),
  rd('v1', 'secrets', 'Secret', true),
  rd('v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'], deleteReturnsObject: true }),
  rd('v1', 'services', 'Service', true, {
    shortNames: ['svc'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
    hasStatus: true,
    deleteReturnsObject: true,
    nameRule: 'dns1035',
  }),
  rd('apps/v1', 'controllerrevisions', 'ControllerRevision', true),
  rd('apps/v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], subresources: ['status'], ...WL }),
  rd('apps/v1', 'deployments', 'Deployment', true, {
    shortNames: ['deploy'],
    subresources: ['scale', 'status'],
    ...WL,
  }),
  rd('apps/v1', 'replicasets', 'ReplicaSet', true, {
    shortNames: ['rs'],
    subresources: ['scale', 'status'],
    ...WL,
  }),
  rd('apps/v1', 'statefulsets', 'StatefulSet', true, {
    shortNames: ['sts'],
    subresources: ['scale', 'status'],
    ...WL,
  }),
  rd('autoscaling/v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, {
    shortNames: ['hpa'],
    subresources: ['status'],
    ...WL,
  }),
  rd('batch/v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], subresources: ['status'], ...WL }),
  rd('batch/v1', 'jobs', 'Job', true, { subresources: ['status'], ...WL }),
  rd('networking.k8s.io/v1', 'ingressclasses', 'IngressClass', false),
  rd('networking.k8s.io/v1', 'ingresses', 'Ingress', true, {
    shortNames: ['ing'],
    subresources: ['status'],
    ...WL,
  }),
  rd('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', true, {
    shortNames: ['netpol'],
    generation: true,
  }),
  rd('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, {
    shortNames: ['pdb'],
    subresources: ['status'],
    ...WL,
  }),
  rd('rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', false, {
    nameRule: 'path',
  }),
  rd('rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', false, { nameRule: 'path' }),
  rd('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', true, { nameRule: 'path' }),
  rd('rbac.authorization.k8s.io/v1', 'roles', 'Role', true, { nameRule: 'path' }),
  rd('storage.k8s.io/v1', 'storageclasses', 'StorageClass', false, {
    shortNames: ['sc'],
    deleteReturnsObject: true,
  }),
];

const GROUP_VERSIONS: string[] = [];
for (const r of RESOURCES) {
  const gv = r.group ? `${r.group}/${r.version}` : r.version;
  if (!GROUP_VERSIONS.includes(gv)) GROUP_VERSIONS.push(gv);
}

function gvOf(def: ResDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

function findDef(group: string, version: string, plural: string): ResDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

function defByKind(apiVersion: string, kind: string): ResDef | undefined {
  return RESOURCES.find((r) => gvOf(r) === apiVersion && r.kind === kind);
}

function mustDef(apiVersion: string, kind: string): ResDef {
  const d = defByKind(apiVersion, kind);
  if (!d) throw new Error(`fake-kube: unknown apiVersion/kind ${apiVersion} ${kind}`);
  return d;
}

const D = {
  ns: mustDef('v1', 'Namespace'),
  node: mustDef('v1', 'Node'),
  pod: mustDef('v1', 'Pod'),
  svc: mustDef('v1', 'Service'),
  sa: mustDef('v1', 'ServiceAccount'),
  cm: mustDef('v1', 'ConfigMap'),
  deploy: mustDef('apps/v1', 'Deployment'),
  rs: mustDef('apps/v1', 'ReplicaSet'),
  ds: mustDef('apps/v1', 'DaemonSet'),
  sts: mustDef('apps/v1', 'StatefulSet'),
  job: mustDef('batch/v1', 'Job'),
  hpa: mustDef('autoscaling/v2', 'HorizontalPodAutoscaler'),
};

// Fields usable in fieldSelector per resource (besides metadata.name / metadata.namespace).
const FIELD_LABELS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
  secrets: ['type'],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  replicasets: ['status.replicas'],
  jobs: ['status.successful'],
};

// ---------------------------------------------------------------------------
// Kubernetes-style errors (metav1.Status)
// ---------------------------------------------------------------------------

class ApiError extends Error {
  constructor(
    public readonly code: number,
    public readonly body: J,
  ) {
    super(String(body.message));
  }
}

function statusBody(code: number, reason: string, message: string, details?: J): J {
  const s: J = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason };
  if (details !== undefined) s.details = details;
  s.code = code;
  return s;
}

function qualifiedResource(def: ResDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

function qualifiedKind(def: ResDef): string {
  return def.group ? `${def.kind}.${def.group}` : def.kind;
}

function resDetails(def: ResDef, name: string): J {
  const d: J = { name };
  if (def.group) d.group = def.group;
  d.kind = def.plural;
  return d;
}

const E = {
  notFound: (def: ResDef, name: string) =>
    new ApiError(
      404,
      statusBody(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, resDetails(def, name)),
    ),
  alreadyExists: (def: ResDef, name: string) =>
    new ApiError(
      409,
      statusBody(
        409,
        'AlreadyExists',
        `${qualifiedResource(def)} "${name}" already exists`,
        resDetails(def, name),
      ),
    ),
  conflict: (def: ResDef, name: string) =>
    new ApiError(
      409,
      statusBody(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        resDetails(def, name),
      ),
    ),
  badRequest: (message: string) => new ApiError(400, statusBody(400, 'BadRequest', message)),
  forbidden: (def: ResDef, name: string, why: string) =>
    new ApiError(
      403,
      statusBody(
        403,
        'Forbidden',
        `${qualifiedResource(def)} "${name}" is forbidden: ${why}`,
        resDetails(def, name),
      ),
    ),
  methodNotAllowed: () =>
    new ApiError(
      405,
      statusBody(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      ),
    ),
  pathNotFound: () =>
    new ApiError(404, statusBody(404, 'NotFound', 'the server could not find the requested resource', {})),
  unsupportedMedia: (types: string[]) =>
    new ApiError(
      415,
      statusBody(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}`,
      ),
    ),
  unauthorized: () => new ApiError(401, statusBody(401, 'Unauthorized', 'Unauthorized')),
  tooLarge: () =>
    new ApiError(413, statusBody(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')),
};

interface Cause {
  field: string;
  reason: string;
  message: string;
}

function fmtVal(v: J): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const F = {
  required: (field: string, detail = ''): Cause => ({
    field,
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
  }),
  invalid: (field: string, value: J, detail: string): Cause => ({
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${fmtVal(value)}: ${detail}`,
  }),
  notSupported: (field: string, value: J, supported: string[]): Cause => ({
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${fmtVal(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  duplicate: (field: string, value: J): Cause => ({
    field,
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${fmtVal(value)}`,
  }),
  notFoundField: (field: string, value: J): Cause => ({
    field,
    reason: 'FieldValueNotFound',
    message: `Not found: ${fmtVal(value)}`,
  }),
  forbidden: (field: string, detail: string): Cause => ({
    field,
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
  }),
};

function invalidError(def: ResDef, name: string, causes: Cause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const msg = `${qualifiedKind(def)} "${name}" is invalid: ${parts.length === 1 ? parts[0] : '[' + parts.join(', ') + ']'}`;
  const details: J = { name };
  if (def.group) details.group = def.group;
  details.kind = def.kind;
  details.causes = causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }));
  return new ApiError(422, statusBody(422, 'Invalid', msg, details));
}

// ---------------------------------------------------------------------------
// Name / label validation (apimachinery validation messages)
// ---------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const MSG_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const MSG_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const MSG_DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MSG_NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const MSG_LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function dnsLabelErrors(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) e.push(MSG_LABEL);
  return e;
}

function subdomainErrors(v: string): string[] {
  const e: string[] = [];
  if (v.length > 253) e.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) e.push(MSG_SUBDOMAIN);
  return e;
}

function nameErrors(rule: ResDef['nameRule'], v: string): string[] {
  switch (rule) {
    case 'label':
      return dnsLabelErrors(v);
    case 'dns1035': {
      const e: string[] = [];
      if (v.length > 63) e.push('must be no more than 63 characters');
      if (!DNS1035_LABEL.test(v)) e.push(MSG_DNS1035);
      return e;
    }
    case 'path':
      if (v === '.' || v === '..') return [`may not be '${v}'`];
      if (v.includes('/')) return ["may not contain '/'"];
      if (v.includes('%')) return ["may not contain '%'"];
      return [];
    default:
      return subdomainErrors(v);
  }
}

function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const e: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) e.push('prefix part must be non-empty');
    else for (const m of subdomainErrors(prefix)) e.push('prefix part ' + m);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) e.push('name part must be non-empty');
  else {
    if (name.length > 63) e.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME_PART.test(name)) e.push(MSG_NAME_PART);
  }
  return e;
}

function labelValueErrors(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) e.push(MSG_LABEL_VALUE);
  return e;
}

function validateLabels(labels: J, field: string, out: Cause[]): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedNameErrors(k)) out.push(F.invalid(field, k, m));
    for (const m of labelValueErrors(String(v))) out.push(F.invalid(field, v, m));
  }
}

// ---------------------------------------------------------------------------
// Quantities (resource.Quantity): parse, canonicalize
// ---------------------------------------------------------------------------

const QTY_RE =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const QTY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const BIN: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DEC: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DEC_SUFFIX: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};

/** Quantity as a float (cpu in cores, memory in bytes); undefined if invalid. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QTY_RE.exec(q.trim());
  if (!m) return undefined;
  const num = Number(m[1]);
  const suf = m[2] ?? '';
  if (suf in BIN) return num * Math.pow(1024, BIN[suf] as number);
  if (suf in DEC) return num * Math.pow(10, DEC[suf] as number);
  return num * Math.pow(10, Number(suf.slice(1)));
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Canonical form of a quantity as the API server prints it ("0.5" -> "500m", "1024Mi" -> "1Gi"). */
function canonicalQuantity(q: string | number): string | undefined {
  const s = typeof q === 'number' ? String(q) : q.trim();
  const m = QTY_RE.exec(s);
  if (!m) return undefined;
  let mant = m[1] as string;
  const suf = m[2] ?? '';
  let neg = false;
  if (mant.startsWith('-')) {
    neg = true;
    mant = mant.slice(1);
  } else if (mant.startsWith('+')) mant = mant.slice(1);
  const [ip = '', fp = ''] = mant.split('.');
  const digits = BigInt((ip + fp).replace(/^0+(?=\d)/, '') || '0');
  const scale = fp.length; // value = digits * 10^-scale * suffix
  const sign = neg ? '-' : '';
  if (suf in BIN) {
    // value in bytes = digits * 1024^k / 10^scale
    const k = BIN[suf] as number;
    const num = digits * 1024n ** BigInt(k);
    const den = pow10(scale);
    if (num % den !== 0n) {
      // not an integer number of bytes: fall back to decimal formatting (rounded up to nano units)
      return canonicalDecimal(num, den, sign, false);
    }
    let v = num / den;
    if (v === 0n) return '0';
    let e = 0;
    while (e < 6 && v % 1024n === 0n) {
      v /= 1024n;
      e++;
    }
    if (e === 0) return canonicalDecimal(v, 1n, sign, false);
    return sign + v.toString() + (Object.keys(BIN).find((x) => BIN[x] === e) as string);
  }
  let exp = 0;
  let expForm = false;
  if (suf in DEC) exp = DEC[suf] as number;
  else {
    exp = Number(suf.slice(1));
    expForm = true;
  }
  // value = digits * 10^(exp - scale)
  const e2 = exp - scale;
  return e2 >= 0
    ? canonicalDecimal(digits * pow10(e2), 1n, sign, expForm)
    : canonicalDecimal(digits, pow10(-e2), sign, expForm);
}

function canonicalDecimal(num: bigint, den: bigint, sign: string, expForm: boolean): string {
  // nano units, rounded up like resource.Quantity does
  let nanos = (num * pow10(9)) / den;
  if ((num * pow10(9)) % den !== 0n) nanos += 1n;
  if (nanos === 0n) return '0';
  let best = -9;
  for (let e = 18; e >= -9; e -= 3) {
    if (nanos % pow10(e + 9) === 0n) {
      best = e;
      break;
    }
  }
  const v = nanos / pow10(best + 9);
  if (expForm) return sign + v.toString() + (best === 0 ? '' : `e${best}`);
  return sign + v.toString() + (DEC_SUFFIX[best] as string);
}

// ---------------------------------------------------------------------------
// Label and field selectors
// ---------------------------------------------------------------------------

interface LabelReq {
  key: string;
  op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists' | 'gt' | 'lt';
  values: string[];
}

function parseLabelSelector(input: string): LabelReq[] {
  const s = input;
  const n = s.length;
  let i = 0;
  const reqs: LabelReq[] = [];
  const fail = (msg: string): never => {
    throw E.badRequest(`unable to parse requirement: ${msg}`);
  };
  const ws = () => {
    while (i < n && /\s/.test(s[i] as string)) i++;
  };
  const word = () => {
    const st = i;
    while (i < n && /[A-Za-z0-9_.\-/]/.test(s[i] as string)) i++;
    return s.slice(st, i);
  };
  const checkKey = (k: string) => {
    const errs = qualifiedNameErrors(k);
    if (errs.length) fail(`<nil>: Invalid value: ${JSON.stringify(k)}: ${errs.join('; ')}`);
  };
  const checkVal = (v: string) => {
    const errs = labelValueErrors(v);
    if (errs.length)
      fail(`values[0][${JSON.stringify(v)}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
  };
  ws();
  if (i >= n) return reqs;
  for (;;) {
    ws();
    let neg = false;
    if (s[i] === '!') {
      neg = true;
      i++;
      ws();
    }
    const key = word();
    if (!key) fail(`found '${s[i] ?? ''}', expected: !, identifier, or 'end of string'`);
    checkKey(key);
    ws();
    if (neg) {
      reqs.push({ key, op: 'notexists', values: [] });
    } else if (i >= n || s[i] === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const op: LabelReq['op'] = s.startsWith('!=', i) ? 'neq' : 'eq';
      i += s[i] === '=' && s[i + 1] !== '=' ? 1 : 2;
      ws();
      const v = word();
      checkVal(v);
      reqs.push({ key, op, values: [v] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op: LabelReq['op'] = s[i] === '>' ? 'gt' : 'lt';
      i++;
      ws();
      const v = word();
      if (!/^-?\d+$/.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, op, values: [v] });
    } else {
      const w = word();
      if (w !== 'in' && w !== 'notin') fail(`found '${w || s[i]}', expected: in, notin, =, ==, !=, gt, lt`);
      ws();
      if (s[i] !== '(') fail(`found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        ws();
        const v = word();
        checkVal(v);
        values.push(v);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        fail(`found '${s[i] ?? ''}', expected: ',', ')' or identifier`);
      }
      reqs.push({ key, op: w === 'in' ? 'in' : 'notin', values });
    }
    ws();
    if (i >= n) break;
    if (s[i] !== ',') fail(`found '${s[i]}', expected: ',' or 'end of string'`);
    i++;
    ws();
    if (i >= n) fail(`found '', expected: !, identifier, or 'end of string'`);
  }
  return reqs;
}

function matchLabelReqs(reqs: LabelReq[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
      case 'in':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case 'neq':
      case 'notin':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        const a = Number(v);
        const b = Number(r.values[0]);
        if (r.op === 'gt' ? !(a > b) : !(a < b)) return false;
        break;
      }
    }
  }
  return true;
}

/** metav1.LabelSelector (matchLabels + matchExpressions) -> requirements. */
function labelSelectorToReqs(sel: J): LabelReq[] {
  const out: LabelReq[] = [];
  if (!isObj(sel)) return out;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}))
    out.push({ key: k, op: 'eq', values: [String(v)] });
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) {
    const op = String(e?.operator ?? '');
    const values = Array.isArray(e?.values) ? e.values.map(String) : [];
    if (op === 'In') out.push({ key: e.key, op: 'in', values });
    else if (op === 'NotIn') out.push({ key: e.key, op: 'notin', values });
    else if (op === 'Exists') out.push({ key: e.key, op: 'exists', values: [] });
    else if (op === 'DoesNotExist') out.push({ key: e.key, op: 'notexists', values: [] });
  }
  return out;
}

function selectorToString(sel: J): string {
  const parts: string[] = [];
  for (const r of labelSelectorToReqs(sel)) {
    if (r.op === 'eq') parts.push(`${r.key}=${r.values[0]}`);
    else if (r.op === 'in') parts.push(`${r.key} in (${r.values.join(',')})`);
    else if (r.op === 'notin') parts.push(`${r.key} notin (${r.values.join(',')})`);
    else if (r.op === 'exists') parts.push(r.key);
    else if (r.op === 'notexists') parts.push(`!${r.key}`);
  }
  return parts.join(',');
}

interface FieldReq {
  field: string;
  neg: boolean;
  value: string;
}

function parseFieldSelector(s: string, def: ResDef): FieldReq[] {
  const out: FieldReq[] = [];
  if (!s.trim()) return out;
  const allowed = ['metadata.name', 'metadata.namespace', ...(FIELD_LABELS[def.plural] ?? [])];
  for (const raw of s.split(',')) {
    const part = raw.trim();
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) throw E.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const field = (m[1] as string).trim();
    if (!allowed.includes(field)) throw E.badRequest(`field label not supported: ${field}`);
    out.push({ field, neg: m[2] === '!=', value: m[3] as string });
  }
  return out;
}

function fieldValue(obj: J, field: string): string {
  if (field === 'source') return String(obj.source?.component ?? '');
  let cur: J = obj;
  for (const p of field.split('.')) cur = isObj(cur) ? cur[p] : undefined;
  if (cur === undefined || cur === null) {
    if (field === 'spec.unschedulable' || field === 'spec.hostNetwork') return 'false';
    return '';
  }
  return String(cur);
}

function matchFieldReqs(reqs: FieldReq[], obj: J): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.neg ? v === r.value : v !== r.value) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Patches: RFC 7386 merge patch, simplified strategic merge patch, RFC 6902
// ---------------------------------------------------------------------------

function mergePatch(target: J, patch: J): J {
  if (!isObj(patch)) return clone(patch);
  const result: J = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

const SMP_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  addresses: 'type',
  taints: 'key',
};
const SMP_SET_LISTS = new Set(['finalizers']);

function smpKeyFor(field: string, patchList: J[], current: J): string | undefined {
  const all = [...patchList, ...(Array.isArray(current) ? current : [])];
  if (!all.every((x) => isObj(x))) return undefined;
  let key = SMP_KEYS[field];
  if (field === 'ports') key = all.some((x) => 'containerPort' in x) ? 'containerPort' : 'port';
  if (!key) return undefined;
  return patchList.every((x) => x.$patch !== undefined || key in x) ? key : undefined;
}

/** Strategic merge patch, approximated: merge keys for the common list fields, $patch directives. */
function strategicMergePatch(target: J, patch: J): J {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const p = { ...patch };
    delete p.$patch;
    return clone(p);
  }
  if (patch.$patch === 'delete') return undefined;
  const result: J = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[f]) && Array.isArray(v))
        result[f] = result[f].filter((x: J) => !v.some((y: J) => deepEqual(x, y)));
      continue;
    }
    if (v === null) {
      delete result[k];
    } else if (Array.isArray(v)) {
      if (v.some((x) => isObj(x) && x.$patch === 'replace')) {
        result[k] = clone(v.filter((x) => !(isObj(x) && x.$patch === 'replace')));
        continue;
      }
      if (SMP_SET_LISTS.has(k) && v.every((x) => !isObj(x))) {
        const cur: J[] = Array.isArray(result[k]) ? [...result[k]] : [];
        for (const x of v) if (!cur.some((y) => deepEqual(x, y))) cur.push(x);
        result[k] = cur;
        continue;
      }
      const key = smpKeyFor(k, v, result[k]);
      if (!key) {
        result[k] = clone(v);
        continue;
      }
      const cur: J[] = Array.isArray(result[k]) ? [...result[k]] : [];
      for (const item of v) {
        const idx = cur.findIndex((x) => isObj(x) && deepEqual(x[key], item[key]));
        if (item.$patch === 'delete') {
          if (idx >= 0) cur.splice(idx, 1);
          continue;
        }
        if (idx >= 0) cur[idx] = strategicMergePatch(cur[idx], item);
        else {
          const it = strategicMergePatch({}, item);
          cur.push(it);
        }
      }
      result[k] = cur;
    } else if (isObj(v)) {
      const r = strategicMergePatch(result[k], v);
      if (r === undefined) delete result[k];
      else result[k] = r;
    } else {
      result[k] = v;
    }
  }
  return result;
}

class PatchError extends Error {}

function parsePointer(p: J): string[] {
  if (typeof p !== 'string') throw new PatchError('missing path');
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${JSON.stringify(p)}`);
  return p
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrIndex(arr: J[], tok: string, allowEnd: boolean): number {
  if (tok === '-' && allowEnd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new PatchError(`invalid array index: ${tok}`);
  const i = Number(tok);
  if (i > arr.length || (!allowEnd && i === arr.length))
    throw new PatchError(`array index out of bounds: ${tok}`);
  return i;
}

function getAt(doc: J, toks: string[], path: string, opName: string): J {
  let cur = doc;
  for (const t of toks) {
    if (Array.isArray(cur)) cur = cur[arrIndex(cur, t, false)];
    else if (isObj(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else
      throw new PatchError(
        `${opName} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`,
      );
  }
  return cur;
}

function applyJsonPatch(docIn: J, ops: J): J {
  if (!Array.isArray(ops))
    throw E.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(docIn);
  for (const op of ops) {
    if (!isObj(op)) throw E.badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    const name = String(op.op);
    const path = op.path;
    const toks = parsePointer(path);
    const parentOf = (opn: string) => getAt(doc, toks.slice(0, -1), path, opn);
    const last = toks[toks.length - 1] as string;
    const add = (value: J) => {
      if (toks.length === 0) {
        doc = value;
        return;
      }
      const parent = parentOf('add');
      if (Array.isArray(parent)) parent.splice(arrIndex(parent, last, true), 0, value);
      else if (isObj(parent)) parent[last] = value;
      else
        throw new PatchError(
          `add operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`,
        );
    };
    const remove = (opn: string, toksR: string[], pathR: string): J => {
      if (toksR.length === 0)
        throw new PatchError(`${opn} operation does not apply: cannot remove the document root`);
      const parent = getAt(doc, toksR.slice(0, -1), pathR, opn);
      const l = toksR[toksR.length - 1] as string;
      if (Array.isArray(parent)) {
        const i = arrIndex(parent, l, false);
        return parent.splice(i, 1)[0];
      }
      if (isObj(parent) && Object.prototype.hasOwnProperty.call(parent, l)) {
        const v = parent[l];
        delete parent[l];
        return v;
      }
      throw new PatchError(
        `${opn} operation does not apply: doc is missing path: ${JSON.stringify(pathR)}: missing value`,
      );
    };
    switch (name) {
      case 'add':
        if (!('value' in op)) throw new PatchError('add operation missing value');
        add(clone(op.value));
        break;
      case 'remove':
        remove('remove', toks, path);
        break;
      case 'replace': {
        if (!('value' in op)) throw new PatchError('replace operation missing value');
        if (toks.length === 0) {
          doc = clone(op.value);
          break;
        }
        const parent = parentOf('replace');
        if (Array.isArray(parent)) parent[arrIndex(parent, last, false)] = clone(op.value);
        else if (isObj(parent) && Object.prototype.hasOwnProperty.call(parent, last))
          parent[last] = clone(op.value);
        else
          throw new PatchError(
            `replace operation does not apply: doc is missing key: ${path}: missing value`,
          );
        break;
      }
      case 'move': {
        const ftoks = parsePointer(op.from);
        if (toks.length > ftoks.length && ftoks.every((t, i) => toks[i] === t))
          throw new PatchError(
            `move operation does not apply: cannot move ${op.from} into its own child ${path}`,
          );
        const v = remove('move', ftoks, op.from);
        add(v);
        break;
      }
      case 'copy': {
        const v = getAt(doc, parsePointer(op.from), op.from, 'copy');
        add(clone(v));
        break;
      }
      case 'test': {
        let v: J;
        try {
          v = getAt(doc, toks, path, 'test');
        } catch {
          v = undefined;
        }
        if (!deepEqual(v, op.value)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw E.badRequest(`Unexpected kind: ${name}`);
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------
// Defaulting and validation of built-in kinds
// ---------------------------------------------------------------------------

function defaultImagePullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSeg = image.split('/').pop() ?? image;
  const tag = lastSeg.includes(':') ? lastSeg.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function canonicalizeResources(res: J, path: string, kindStr: string, version: string): void {
  if (!isObj(res)) return;
  for (const part of ['requests', 'limits', 'claims']) {
    const m = res[part];
    if (part === 'claims' || !isObj(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string' && typeof v !== 'number')
        throw E.badRequest(
          `${kindStr} in version "${version}" cannot be handled as a ${kindStr}: ${QTY_MSG}`,
        );
      const c = canonicalQuantity(v);
      if (c === undefined)
        throw E.badRequest(
          `${kindStr} in version "${version}" cannot be handled as a ${kindStr}: ${QTY_MSG}`,
        );
      m[k] = c;
    }
  }
  void path;
}

function defaultContainer(c: J, kindStr: string, version: string, isPod: boolean): void {
  if (!isObj(c)) return;
  if (typeof c.image === 'string' && c.imagePullPolicy === undefined)
    c.imagePullPolicy = defaultImagePullPolicy(c.image);
  if (c.terminationMessagePath === undefined) c.terminationMessagePath = '/dev/termination-log';
  if (c.terminationMessagePolicy === undefined) c.terminationMessagePolicy = 'File';
  if (c.resources === undefined) c.resources = {};
  canonicalizeResources(c.resources, '', kindStr, version);
  if (isPod && isObj(c.resources.limits)) {
    // requests default to limits (SetDefaults_Pod)
    const req = isObj(c.resources.requests) ? c.resources.requests : {};
    for (const [k, v] of Object.entries(c.resources.limits)) if (req[k] === undefined) req[k] = v;
    c.resources.requests = req;
  }
  if (Array.isArray(c.ports))
    for (const p of c.ports) if (isObj(p) && p.protocol === undefined) p.protocol = 'TCP';
  if (Array.isArray(c.env))
    for (const e of c.env)
      if (isObj(e) && e.value !== undefined && typeof e.value !== 'string')
        throw E.badRequest(
          `${kindStr} in version "${version}" cannot be handled as a ${kindStr}: json: cannot unmarshal ${typeof e.value} into Go struct field EnvVar.spec.template.spec.containers.env.value of type string`,
        );
}

function defaultPodSpec(
  spec: J,
  kindStr: string,
  version: string,
  isPod: boolean,
  defaultRestart: string | undefined,
): void {
  if (!isObj(spec)) return;
  if (spec.restartPolicy === undefined && defaultRestart) spec.restartPolicy = defaultRestart;
  if (spec.dnsPolicy === undefined) spec.dnsPolicy = 'ClusterFirst';
  if (spec.schedulerName === undefined) spec.schedulerName = 'default-scheduler';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (spec.securityContext === undefined) spec.securityContext = {};
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(spec[list])) for (const c of spec[list]) defaultContainer(c, kindStr, version, isPod);
  }
  if (Array.isArray(spec.volumes))
    for (const v of spec.volumes) {
      if (isObj(v?.hostPath) && v.hostPath.type === undefined) v.hostPath.type = '';
      if (isObj(v?.configMap) && v.configMap.defaultMode === undefined) v.configMap.defaultMode = 420;
      if (isObj(v?.secret) && v.secret.defaultMode === undefined) v.secret.defaultMode = 420;
    }
  if (isPod) {
    if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
    if (spec.serviceAccountName === undefined) spec.serviceAccountName = 'default';
    if (spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
    if (spec.priority === undefined) spec.priority = 0;
    if (spec.preemptionPolicy === undefined) spec.preemptionPolicy = 'PreemptLowerPriority';
    const tol: J[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tol.some((t) => t?.key === key && (t.effect === 'NoExecute' || !t.effect)))
        tol.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
    spec.tolerations = tol;
  }
}

function validatePodSpec(spec: J, f: string, out: Cause[], isJob: boolean): void {
  if (!isObj(spec)) {
    out.push(F.required(f));
    return;
  }
  const volNames = new Set<string>();
  if (Array.isArray(spec.volumes)) {
    spec.volumes.forEach((v: J, i: number) => {
      const vf = `${f}.volumes[${i}].name`;
      if (!v?.name) out.push(F.required(vf));
      else {
        for (const m of dnsLabelErrors(String(v.name))) out.push(F.invalid(vf, v.name, m));
        if (volNames.has(v.name)) out.push(F.duplicate(vf, v.name));
        volNames.add(v.name);
      }
      if (isObj(v?.hostPath) && !v.hostPath.path) out.push(F.required(`${f}.volumes[${i}].hostPath.path`));
    });
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0)
    out.push(F.required(`${f}.containers`));
  const names = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    if (!Array.isArray(spec[list])) continue;
    spec[list].forEach((c: J, i: number) => {
      const cf = `${f}.${list}[${i}]`;
      if (!isObj(c)) return;
      if (!c.name) out.push(F.required(`${cf}.name`));
      else {
        for (const m of dnsLabelErrors(String(c.name))) out.push(F.invalid(`${cf}.name`, c.name, m));
        if (names.has(c.name)) out.push(F.duplicate(`${cf}.name`, c.name));
        names.add(c.name);
      }
      if (!c.image || typeof c.image !== 'string' || !c.image.trim()) out.push(F.required(`${cf}.image`));
      if (Array.isArray(c.ports))
        c.ports.forEach((p: J, j: number) => {
          const pf = `${cf}.ports[${j}]`;
          if (!Number.isInteger(p?.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
            if (p?.containerPort === undefined) out.push(F.required(`${pf}.containerPort`));
            else
              out.push(
                F.invalid(`${pf}.containerPort`, p.containerPort, 'must be between 1 and 65535, inclusive'),
              );
          }
          if (
            p?.hostPort !== undefined &&
            (!Number.isInteger(p.hostPort) || p.hostPort < 0 || p.hostPort > 65535)
          )
            out.push(F.invalid(`${pf}.hostPort`, p.hostPort, 'must be between 1 and 65535, inclusive'));
          if (p?.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol))
            out.push(F.notSupported(`${pf}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
        });
      if (Array.isArray(c.env))
        c.env.forEach((e: J, j: number) => {
          if (!e?.name) out.push(F.required(`${cf}.env[${j}].name`));
        });
      if (Array.isArray(c.volumeMounts))
        c.volumeMounts.forEach((m: J, j: number) => {
          const mf = `${cf}.volumeMounts[${j}]`;
          if (!m?.name) out.push(F.required(`${mf}.name`));
          else if (!volNames.has(m.name)) out.push(F.notFoundField(`${mf}.name`, m.name));
          if (!m?.mountPath) out.push(F.required(`${mf}.mountPath`));
        });
      const req = c.resources?.requests;
      const lim = c.resources?.limits;
      if (isObj(req) && isObj(lim)) {
        for (const [k, v] of Object.entries(req)) {
          if (lim[k] === undefined) continue;
          const a = parseQuantity(v);
          const b = parseQuantity(lim[k]);
          if (a !== undefined && b !== undefined && a > b)
            out.push(
              F.invalid(
                `${cf}.resources.requests`,
                v,
                `must be less than or equal to ${k} limit of ${lim[k]}`,
              ),
            );
        }
      }
    });
  }
  if (isJob) {
    if (spec.restartPolicy === undefined)
      out.push(F.required(`${f}.restartPolicy`, 'valid values: "OnFailure", "Never"'));
    else if (!['OnFailure', 'Never'].includes(spec.restartPolicy))
      out.push(F.notSupported(`${f}.restartPolicy`, spec.restartPolicy, ['OnFailure', 'Never']));
  } else if (
    spec.restartPolicy !== undefined &&
    !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)
  ) {
    out.push(F.notSupported(`${f}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  if (isObj(spec.nodeSelector)) validateLabels(spec.nodeSelector, `${f}.nodeSelector`, out);
}

function typeCheck(obj: J, def: ResDef): void {
  const bad = (what: string, path: string, goType: string) =>
    E.badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${what} into Go struct field ${path} of type ${goType}`,
    );
  const jt = (v: J) =>
    Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v;
  if (obj.metadata !== undefined && !isObj(obj.metadata))
    throw bad(jt(obj.metadata), `${def.kind}.metadata`, 'v1.ObjectMeta');
  const md = obj.metadata ?? {};
  for (const f of ['labels', 'annotations']) {
    if (md[f] === undefined || md[f] === null) continue;
    if (!isObj(md[f])) throw bad(jt(md[f]), `ObjectMeta.metadata.${f}`, 'map[string]string');
    for (const v of Object.values(md[f]))
      if (typeof v !== 'string' && v !== null) throw bad(jt(v), `ObjectMeta.metadata.${f}`, 'string');
  }
  if (md.name !== undefined && typeof md.name !== 'string')
    throw bad(jt(md.name), 'ObjectMeta.metadata.name', 'string');
  if (def.kind === 'ConfigMap' || def.kind === 'Secret') {
    for (const f of ['data', 'stringData', 'binaryData']) {
      if (obj[f] === undefined || obj[f] === null) continue;
      if (!isObj(obj[f])) throw bad(jt(obj[f]), `${def.kind}.${f}`, 'map[string]string');
      for (const v of Object.values(obj[f]))
        if (typeof v !== 'string') throw bad(jt(v), `${def.kind}.${f}`, 'string');
    }
  }
}

function stripNullMaps(obj: J): void {
  const md = obj.metadata;
  if (!isObj(md)) return;
  for (const f of ['labels', 'annotations']) {
    if (md[f] === null) delete md[f];
    else if (isObj(md[f])) for (const [k, v] of Object.entries(md[f])) if (v === null) delete md[f][k];
  }
}

function podTemplateOf(obj: J): J {
  return obj.spec?.template;
}

// ---------------------------------------------------------------------------
// Small YAML emitter (only what a kubeconfig needs)
// ---------------------------------------------------------------------------

function yq(s: string): string {
  return JSON.stringify(s);
}

// ---------------------------------------------------------------------------
// The fake cluster
// ---------------------------------------------------------------------------

interface ParsedPath {
  def: ResDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

class FakeKubeCluster implements FakeCluster {
  readonly name: string;
  readonly token: string;
  url = '';
  kubeconfig = '';
  requestLog: RequestLogEntry[] = [];

  private _mode: ClusterMode;
  /** Mode that drives pod simulation (last non-'unreachable' mode). */
  private simMode: 'healthy' | 'crash';
  private readonly failingImages: Set<string>;
  private readonly enforceResources: boolean;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private stopped = false;

  /** group/plural -> "namespace/name" -> object (stored with apiVersion and kind). */
  private readonly store = new Map<string, Map<string, J>>();
  private rv = 1;
  private rr = 0; // round-robin scheduler cursor
  private ipCounter = 1;
  private svcIpCounter = 1;
  private nodePortCounter = 0;
  private nodeCounter = 0;
  private reconciling = false;
  private changed = false;
  private needGc = false;

  constructor(opts: FakeClusterOptions) {
    clusterCounter++;
    this.name = opts.name ?? `fake-cluster-${clusterCounter}`;
    this.token = opts.token ?? randomBytes(16).toString('hex');
    this._mode = opts.mode ?? 'healthy';
    this.simMode = this._mode === 'crash' ? 'crash' : 'healthy';
    this.failingImages = new Set(opts.failingImages ?? []);
    this.enforceResources = opts.enforceResources ?? true;
    for (const r of RESOURCES) this.store.set(this.skey(r), new Map());

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

    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (sock: Socket) => {
      if (this._mode === 'unreachable') {
        sock.resetAndDestroy();
        return;
      }
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    this.server.on('clientError', (_err, sock) => {
      if (!sock.destroyed) sock.destroy();
    });
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

  // ---- store primitives ---------------------------------------------------

  private skey(def: ResDef): string {
    return `${def.group}/${def.plural}`;
  }

  private okey(ns: string | undefined, name: string): string {
    return `${ns ?? ''}/${name}`;
  }

  private bucket(def: ResDef): Map<string, J> {
    return this.store.get(this.skey(def)) as Map<string, J>;
  }

  private getLive(def: ResDef, ns: string | undefined, name: string): J | undefined {
    return this.bucket(def).get(this.okey(def.namespaced ? ns : undefined, name));
  }

  private listLive(def: ResDef, ns?: string): J[] {
    const out: J[] = [];
    for (const o of this.bucket(def).values())
      if (ns === undefined || o.metadata.namespace === ns) out.push(o);
    out.sort((a, b) => {
      const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
      const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return out;
  }

  private nextRv(): string {
    this.rv++;
    return String(this.rv);
  }

  /** Store (insert or overwrite) and bump resourceVersion. */
  private write(def: ResDef, obj: J): void {
    obj.metadata.resourceVersion = this.nextRv();
    this.bucket(def).set(
      this.okey(def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name),
      obj,
    );
    this.changed = true;
  }

  private deleteLive(def: ResDef, obj: J): void {
    this.bucket(def).delete(
      this.okey(def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name),
    );
    this.nextRv();
    this.changed = true;
    this.needGc = true;
    if (def === D.ns) {
      const ns = obj.metadata.name;
      for (const r of RESOURCES) {
        if (!r.namespaced) continue;
        const b = this.bucket(r);
        for (const [k, o] of b) if (o.metadata.namespace === ns) b.delete(k);
      }
    }
  }

  private orphanDependents(uid: string): void {
    for (const r of RESOURCES) {
      for (const o of this.bucket(r).values()) {
        const refs = o.metadata.ownerReferences;
        if (!Array.isArray(refs) || !refs.some((x: J) => x?.uid === uid)) continue;
        o.metadata.ownerReferences = refs.filter((x: J) => x?.uid !== uid);
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        this.write(r, o);
      }
    }
  }

  /** Background garbage collection by ownerReferences. */
  private collectGarbage(): void {
    for (let guard = 0; guard < 20; guard++) {
      const alive = new Set<string>();
      for (const b of this.store.values()) for (const o of b.values()) alive.add(o.metadata.uid);
      let deleted = false;
      for (const r of RESOURCES) {
        const b = this.bucket(r);
        for (const [k, o] of b) {
          const refs = o.metadata.ownerReferences;
          if (!Array.isArray(refs) || refs.length === 0) continue;
          if (refs.some((x: J) => alive.has(x?.uid))) continue;
          b.delete(k);
          deleted = true;
        }
      }
      if (!deleted) break;
      this.nextRv();
      this.changed = true;
    }
    this.needGc = false;
  }

  // ---- seeding ------------------------------------------------------------

  private createNamespaceInternal(name: string): void {
    this.internalCreate(D.ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /** Create bypassing HTTP but through the normal create pipeline. */
  private internalCreate(def: ResDef, body: J): J {
    return this.doCreate(def, def.namespaced ? body.metadata?.namespace : undefined, body, false);
  }

  private addNodeInternal(spec: FakeNodeSpec): void {
    if (this.getLive(D.node, undefined, spec.name)) throw new Error(`fake-kube: node ${spec.name} exists`);
    const idx = this.nodeCounter++;
    const ip = spec.internalIP ?? `10.0.${Math.floor(idx / 250)}.${(idx % 250) + 2}`;
    const capacity: Record<string, string> = {
      cpu: spec.cpu ?? '4',
      'ephemeral-storage': spec.ephemeralStorage ?? '102626232Ki',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: spec.memory ?? '8148012Ki',
      pods: '110',
    };
    if (spec.gpu && spec.gpu > 0) capacity['nvidia.com/gpu'] = String(spec.gpu);
    const now = nowTs();
    const hash = createHash('sha256')
      .update(this.name + '/' + spec.name)
      .digest('hex');
    const node: J = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: spec.name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': spec.operatingSystem ?? 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': spec.name,
          'kubernetes.io/os': spec.operatingSystem ?? 'linux',
          ...(spec.labels ?? {}),
        },
        annotations: {
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
      },
      spec: { podCIDR: `10.244.${idx % 256}.0/24`, podCIDRs: [`10.244.${idx % 256}.0/24`] },
      status: {
        capacity,
        allocatable: { ...capacity },
        conditions: [
          {
            type: 'MemoryPressure',
            status: 'False',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
            reason: 'KubeletHasSufficientMemory',
            message: 'kubelet has sufficient memory available',
          },
          {
            type: 'DiskPressure',
            status: 'False',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
            reason: 'KubeletHasNoDiskPressure',
            message: 'kubelet has no disk pressure',
          },
          {
            type: 'PIDPressure',
            status: 'False',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
            reason: 'KubeletHasSufficientPID',
            message: 'kubelet has sufficient PID available',
          },
          {
            type: 'Ready',
            status: 'True',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: spec.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: hash.slice(0, 32),
          systemUUID: `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`,
          bootID: randomUUID(),
          kernelVersion: spec.kernelVersion ?? '6.1.0-18-amd64',
          osImage: spec.osImage ?? 'Debian GNU/Linux 12 (bookworm)',
          containerRuntimeVersion: 'containerd://1.7.22',
          kubeletVersion: 'v1.31.4',
          kubeProxyVersion: 'v1.31.4',
          operatingSystem: spec.operatingSystem ?? 'linux',
          architecture: 'amd64',
        },
        images: [],
      },
    };
    const created = this.doCreate(D.node, undefined, node, false, true);
    if (spec.ready === false) {
      this.applyNodeReady(created, false);
      this.write(D.node, created);
    }
  }

  private applyNodeReady(n: J, ready: boolean): void {
    const now = nowTs();
    const conds: J[] = n.status.conditions ?? (n.status.conditions = []);
    let c = conds.find((x) => x.type === 'Ready');
    if (!c) {
      c = { type: 'Ready' };
      conds.push(c);
    }
    const want = ready ? 'True' : 'False';
    if (c.status !== want) c.lastTransitionTime = now;
    c.status = want;
    c.lastHeartbeatTime = now;
    c.reason = ready ? 'KubeletReady' : 'KubeletNotReady';
    c.message = ready
      ? 'kubelet is posting ready status'
      : 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady';
    const taints: J[] = (n.spec.taints ?? []).filter((t: J) => t.key !== 'node.kubernetes.io/not-ready');
    if (!ready) taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: now });
    if (taints.length) n.spec.taints = taints;
    else delete n.spec.taints;
  }

  // ---- HTTP ---------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
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
    req.on('end', () => {
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
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-cache, private',
        'Audit-Id': randomUUID(),
      });
      res.end(text);
    });
    req.on('error', () => {
      if (!res.headersSent) res.destroy();
    });
  }

  private logRequest(req: http.IncomingMessage, status: number): void {
    this.requestLog.push({ method: req.method ?? 'GET', path: req.url ?? '/', status });
    if (this.requestLog.length > REQUEST_LOG_CAP)
      this.requestLog.splice(0, this.requestLog.length - REQUEST_LOG_CAP);
  }

  private handle(req: http.IncomingMessage, rawBody: string): [number, J] {
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

  private apiGroup(g: string): J {
    const versions = GROUP_VERSIONS.filter((x) => x.startsWith(g + '/')).map((x) => ({
      groupVersion: x,
      version: x.split('/')[1],
    }));
    return { name: g, versions, preferredVersion: versions[0] };
  }

  private apiGroupList(): J {
    const groups: string[] = [];
    for (const gv of GROUP_VERSIONS) {
      if (!gv.includes('/')) continue;
      const g = gv.split('/')[0] as string;
      if (!groups.includes(g)) groups.push(g);
    }
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => this.apiGroup(g)) };
  }

  private resourceList(gv: string): J {
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
      for (const sub of r.subresources) {
        if (sub === 'scale')
          resources.push({
            name: `${r.plural}/scale`,
            singularName: '',
            namespaced: r.namespaced,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          });
        else if (sub === 'status')
          resources.push({
            name: `${r.plural}/status`,
            singularName: '',
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['get', 'patch', 'update'],
          });
        else if (sub === 'log')
          resources.push({
            name: `${r.plural}/log`,
            singularName: '',
            namespaced: r.namespaced,
            kind: 'Pod',
            verbs: ['get'],
          });
        else if (sub === 'finalize')
          resources.push({
            name: `${r.plural}/finalize`,
            singularName: '',
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['update'],
          });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }

  private parseResourcePath(group: string, version: string, rest: string[]): ParsedPath {
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

  private parseBody(raw: string): J {
    if (!raw.trim()) throw E.badRequest("Object 'Kind' is missing in ''");
    try {
      return JSON.parse(raw);
    } catch (e) {
      throw E.badRequest(
        `the object provided is unrecognized: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  private dispatch(
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
          return [200, this.doList(def, namespace, q)];
        case 'POST': {
          if (def.namespaced && namespace === undefined) throw E.methodNotAllowed();
          if (ct && ct !== 'application/json' && !ct.endsWith('+json'))
            throw E.unsupportedMedia([
              'application/json',
              'application/yaml',
              'application/vnd.kubernetes.protobuf',
            ]);
          const body = this.parseBody(raw);
          const created = this.doCreate(def, namespace, body, dryRun);
          const out = clone(created);
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
        return [200, clone(o)];
      }
      case 'PUT': {
        if (sub === 'finalize') {
          const o = this.getLive(def, namespace, name);
          if (!o) throw E.notFound(def, name);
          return [200, clone(o)];
        }
        if (ct && ct !== 'application/json' && !ct.endsWith('+json'))
          throw E.unsupportedMedia([
            'application/json',
            'application/yaml',
            'application/vnd.kubernetes.protobuf',
          ]);
        const body = this.parseBody(raw);
        const out = clone(this.doReplace(def, namespace, name, body, dryRun, sub === 'status'));
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

  // ---- verbs --------------------------------------------------------------

  private doList(def: ResDef, ns: string | undefined, q: URLSearchParams): J {
    const ls = q.get('labelSelector');
    const fs = q.get('fieldSelector');
    const lreqs = ls ? parseLabelSelector(ls) : [];
    const freqs = fs ? parseFieldSelector(fs, def) : [];
    let items = this.listLive(def, ns).filter(
      (o) => matchLabelReqs(lreqs, o.metadata.labels) && matchFieldReqs(freqs, o),
    );
    const meta: J = { resourceVersion: String(this.rv) };
    const cont = q.get('continue');
    if (cont) {
      let after: string;
      try {
        after = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')).k;
      } catch {
        throw E.badRequest(`continue key is not valid: illegal base64 data`);
      }
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after);
    }
    const limit = Number(q.get('limit') ?? '0');
    if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
      const last = items[limit - 1];
      meta.continue = Buffer.from(
        JSON.stringify({
          v: 'meta.k8s.io/v1',
          rv: this.rv,
          k: `${last.metadata.namespace ?? ''}/${last.metadata.name}`,
        }),
      ).toString('base64');
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    return {
      kind: `${def.kind}List`,
      apiVersion: gvOf(def),
      metadata: meta,
      items: items.map((o) => {
        const c = clone(o);
        delete c.apiVersion;
        delete c.kind;
        return c;
      }),
    };
  }

  private normalizeBody(def: ResDef, body: J): J {
    if (!isObj(body)) throw E.badRequest(`the object provided is unrecognized (must be of type ${def.kind})`);
    const gv = gvOf(def);
    if (body.apiVersion !== undefined && body.apiVersion !== gv) {
      throw E.badRequest(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${gv})`,
      );
    }
    if (body.kind !== undefined && body.kind !== def.kind) {
      throw E.badRequest(
        `${body.kind} in version "${def.version}" cannot be handled as a ${def.kind}: no kind "${body.kind}" is registered for version "${gv}"`,
      );
    }
    typeCheck(body, def);
    const b = clone(body);
    b.apiVersion = gv;
    b.kind = def.kind;
    if (!isObj(b.metadata)) b.metadata = {};
    stripNullMaps(b);
    return b;
  }

  private doCreate(def: ResDef, ns: string | undefined, body: J, dryRun: boolean, isNodeSeed = false): J {
    const obj = this.normalizeBody(def, body);
    const md = obj.metadata;
    if (def.namespaced) {
      if (md.namespace !== undefined && md.namespace !== '' && md.namespace !== ns)
        throw E.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      md.namespace = ns;
      const nsObj = this.getLive(D.ns, undefined, ns as string);
      if (!nsObj) throw E.notFound(D.ns, ns as string);
    } else {
      delete md.namespace;
    }
    if (!md.name && md.generateName) md.name = `${md.generateName}${randSuffix()}`;
    const causes: Cause[] = [];
    if (!md.name) causes.push(F.required('metadata.name', 'name or generateName is required'));
    else
      for (const m of nameErrors(def.nameRule, md.name)) causes.push(F.invalid('metadata.name', md.name, m));
    if (causes.length) throw invalidError(def, md.name ?? '', causes);
    if (this.getLive(def, ns, md.name)) throw E.alreadyExists(def, md.name);

    // system-managed metadata
    md.uid = randomUUID();
    md.creationTimestamp = nowTs();
    delete md.resourceVersion;
    delete md.deletionTimestamp;
    delete md.deletionGracePeriodSeconds;
    delete md.selfLink;
    delete md.managedFields;
    if (def.generation) md.generation = 1;
    else delete md.generation;
    if (def.hasStatus && !isNodeSeed) obj.status = {};

    this.defaultAndValidate(def, obj, undefined);
    if (dryRun) {
      obj.metadata.resourceVersion = String(this.rv);
      return obj;
    }
    this.write(def, obj);
    if (def === D.ns) this.seedNamespace(md.name);
    return obj;
  }

  private seedNamespace(ns: string): void {
    this.internalCreate(D.sa, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns },
    });
    this.internalCreate(D.cm, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'kube-root-ca.crt',
        namespace: ns,
        annotations: {
          'kubernetes.io/description':
            'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
        },
      },
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nZmFrZS1rdWJlLWNh\n-----END CERTIFICATE-----\n' },
    });
  }

  /** Kind-specific defaults + validation. `old` is set on update. Throws ApiError. */
  private defaultAndValidate(def: ResDef, obj: J, old: J | undefined): void {
    const md = obj.metadata;
    const causes: Cause[] = [];
    validateLabels(md.labels, 'metadata.labels', causes);
    if (isObj(md.annotations))
      for (const k of Object.keys(md.annotations))
        for (const m of qualifiedNameErrors(k)) causes.push(F.invalid('metadata.annotations', k, m));
    const kindStr = def.kind;
    const ver = def.version;
    switch (def.kind) {
      case 'Namespace':
        md.labels = { ...(md.labels ?? {}), 'kubernetes.io/metadata.name': md.name };
        obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
        if (!old) obj.status = { phase: 'Active' };
        break;
      case 'Pod': {
        if (!old) {
          if (isObj(obj.spec)) defaultPodSpec(obj.spec, kindStr, ver, true, 'Always');
          validatePodSpec(obj.spec, 'spec', causes, false);
          if (!isObj(obj.status) || !obj.status.phase)
            obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
        } else {
          if (isObj(obj.spec)) defaultPodSpec(obj.spec, kindStr, ver, true, 'Always');
          // only a few pod spec fields are mutable
          const a = clone(obj.spec ?? {});
          const b = clone(old.spec ?? {});
          for (const s of [a, b]) {
            delete s.activeDeadlineSeconds;
            delete s.tolerations;
            delete s.terminationGracePeriodSeconds;
            for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
            if (!old.spec?.nodeName) delete s.nodeName;
          }
          if (!deepEqual(a, b))
            causes.push(
              F.forbidden(
                'spec',
                'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
              ),
            );
        }
        break;
      }
      case 'Deployment':
      case 'ReplicaSet':
      case 'DaemonSet':
      case 'StatefulSet': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (def.kind !== 'DaemonSet' && spec.replicas === undefined) spec.replicas = 1;
        if (def.kind === 'Deployment') {
          if (spec.strategy === undefined) spec.strategy = { type: 'RollingUpdate' };
          if (spec.strategy.type === undefined) spec.strategy.type = 'RollingUpdate';
          if (spec.strategy.type === 'RollingUpdate') {
            spec.strategy.rollingUpdate = {
              maxUnavailable: '25%',
              maxSurge: '25%',
              ...(spec.strategy.rollingUpdate ?? {}),
            };
          }
          if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
          if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
        }
        if (def.kind === 'DaemonSet') {
          if (spec.updateStrategy === undefined) spec.updateStrategy = { type: 'RollingUpdate' };
          if (spec.updateStrategy.type === 'RollingUpdate')
            spec.updateStrategy.rollingUpdate = {
              maxUnavailable: 1,
              maxSurge: 0,
              ...(spec.updateStrategy.rollingUpdate ?? {}),
            };
          if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
        }
        if (def.kind === 'StatefulSet') {
          if (spec.podManagementPolicy === undefined) spec.podManagementPolicy = 'OrderedReady';
          if (spec.updateStrategy === undefined)
            spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
          if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
          if (spec.persistentVolumeClaimRetentionPolicy === undefined)
            spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain' };
        }
        if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0))
          causes.push(F.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
        const tmpl = spec.template;
        if (!isObj(tmpl)) causes.push(F.required('spec.template'));
        else {
          if (isObj(tmpl.metadata))
            validateLabels(tmpl.metadata.labels, 'spec.template.metadata.labels', causes);
          if (isObj(tmpl.spec)) defaultPodSpec(tmpl.spec, kindStr, ver, false, 'Always');
          validatePodSpec(tmpl.spec, 'spec.template.spec', causes, false);
          if (tmpl.spec?.restartPolicy !== undefined && tmpl.spec.restartPolicy !== 'Always')
            causes.push(
              F.notSupported('spec.template.spec.restartPolicy', tmpl.spec.restartPolicy, ['Always']),
            );
        }
        const sel = spec.selector;
        if (!isObj(sel)) causes.push(F.required('spec.selector'));
        else {
          const reqs = labelSelectorToReqs(sel);
          if (reqs.length === 0)
            causes.push(
              F.invalid('spec.selector', sel, `empty selector is invalid for ${def.kind.toLowerCase()}`),
            );
          else if (isObj(tmpl) && !matchLabelReqs(reqs, tmpl.metadata?.labels))
            causes.push(
              F.invalid(
                'spec.template.metadata.labels',
                tmpl.metadata?.labels ?? {},
                '`selector` does not match template `labels`',
              ),
            );
          if (old && def.group === 'apps' && !deepEqual(old.spec?.selector, sel))
            causes.push(F.invalid('spec.selector', sel, 'field is immutable'));
        }
        if (def.kind === 'StatefulSet' && old) {
          const a = clone(old.spec);
          const b = clone(spec);
          for (const s of [a, b])
            for (const f of [
              'replicas',
              'template',
              'updateStrategy',
              'persistentVolumeClaimRetentionPolicy',
              'minReadySeconds',
              'ordinals',
              'revisionHistoryLimit',
            ])
              delete s[f];
          if (!deepEqual(a, b))
            causes.push(
              F.forbidden(
                'spec',
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
              ),
            );
        }
        break;
      }
      case 'Job': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (spec.parallelism === undefined) spec.parallelism = 1;
        if (spec.completions === undefined) spec.completions = 1;
        if (spec.backoffLimit === undefined) spec.backoffLimit = 6;
        if (spec.completionMode === undefined) spec.completionMode = 'NonIndexed';
        if (spec.suspend === undefined) spec.suspend = false;
        if (spec.manualSelector === undefined) {
          spec.selector = spec.selector ?? { matchLabels: { 'batch.kubernetes.io/controller-uid': md.uid } };
        }
        const tmpl = isObj(spec.template) ? spec.template : undefined;
        if (!tmpl) causes.push(F.required('spec.template'));
        else {
          tmpl.metadata = isObj(tmpl.metadata) ? tmpl.metadata : {};
          if (!spec.manualSelector)
            tmpl.metadata.labels = {
              ...(tmpl.metadata.labels ?? {}),
              'batch.kubernetes.io/controller-uid': md.uid,
              'batch.kubernetes.io/job-name': md.name,
              'controller-uid': md.uid,
              'job-name': md.name,
            };
          if (isObj(tmpl.spec)) defaultPodSpec(tmpl.spec, kindStr, ver, false, undefined);
          validatePodSpec(tmpl.spec, 'spec.template.spec', causes, true);
        }
        if (old && !deepEqual(old.spec?.template, spec.template) && !old.spec?.suspend)
          causes.push(F.invalid('spec.template', spec.template, 'field is immutable'));
        break;
      }
      case 'CronJob': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (!spec.schedule) causes.push(F.required('spec.schedule'));
        if (spec.concurrencyPolicy === undefined) spec.concurrencyPolicy = 'Allow';
        if (spec.suspend === undefined) spec.suspend = false;
        if (spec.successfulJobsHistoryLimit === undefined) spec.successfulJobsHistoryLimit = 3;
        if (spec.failedJobsHistoryLimit === undefined) spec.failedJobsHistoryLimit = 1;
        const ps = spec.jobTemplate?.spec?.template?.spec;
        if (isObj(ps)) defaultPodSpec(ps, kindStr, ver, false, undefined);
        validatePodSpec(ps, 'spec.jobTemplate.spec.template.spec', causes, true);
        break;
      }
      case 'Service': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (spec.type === undefined) spec.type = 'ClusterIP';
        if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(spec.type))
          causes.push(
            F.notSupported('spec.type', spec.type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
          );
        if (spec.sessionAffinity === undefined) spec.sessionAffinity = 'None';
        if (spec.type !== 'ExternalName') {
          if (old?.spec?.clusterIP && spec.clusterIP === undefined) spec.clusterIP = old.spec.clusterIP;
          if (old?.spec?.clusterIP && spec.clusterIP !== old.spec.clusterIP)
            causes.push(F.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set'));
          if (spec.clusterIP === undefined || spec.clusterIP === '') {
            const n = this.svcIpCounter++;
            spec.clusterIP = `10.96.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`;
          }
          spec.clusterIPs = [spec.clusterIP];
          if (spec.ipFamilies === undefined) spec.ipFamilies = ['IPv4'];
          if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
          if (spec.internalTrafficPolicy === undefined) spec.internalTrafficPolicy = 'Cluster';
          if (
            (spec.type === 'NodePort' || spec.type === 'LoadBalancer') &&
            spec.externalTrafficPolicy === undefined
          )
            spec.externalTrafficPolicy = 'Cluster';
          if (!Array.isArray(spec.ports) || spec.ports.length === 0) {
            if (spec.clusterIP !== 'None') causes.push(F.required('spec.ports'));
          } else {
            spec.ports.forEach((p: J, i: number) => {
              if (!isObj(p)) return;
              if (p.protocol === undefined) p.protocol = 'TCP';
              if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
                causes.push(
                  p.port === undefined
                    ? F.required(`spec.ports[${i}].port`)
                    : F.invalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'),
                );
              if (p.targetPort === undefined) p.targetPort = p.port;
              if (spec.ports.length > 1 && !p.name) causes.push(F.required(`spec.ports[${i}].name`));
              if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort === undefined) {
                const oldP = (old?.spec?.ports ?? []).find((x: J) => x?.port === p.port && x?.nodePort);
                p.nodePort = oldP ? oldP.nodePort : 30000 + (this.nodePortCounter++ % 2768);
              }
            });
          }
        }
        if (!old) obj.status = { loadBalancer: {} };
        break;
      }
      case 'Secret': {
        if (obj.type === undefined) obj.type = 'Opaque';
        if (old && old.type !== obj.type) causes.push(F.invalid('type', obj.type, 'field is immutable'));
        if (isObj(obj.stringData)) {
          obj.data = isObj(obj.data) ? obj.data : {};
          for (const [k, v] of Object.entries(obj.stringData))
            obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
          delete obj.stringData;
        }
        if (isObj(obj.data)) {
          for (const [k, v] of Object.entries(obj.data)) {
            if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(String(v)))
              throw E.badRequest(
                `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`,
              );
            if (!/^[-._a-zA-Z0-9]+$/.test(k))
              causes.push(
                F.invalid(
                  `data[${k}]`,
                  k,
                  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                ),
              );
          }
        }
        if (obj.type === 'kubernetes.io/dockerconfigjson') {
          const raw = obj.data?.['.dockerconfigjson'];
          if (raw === undefined) causes.push(F.required('data[.dockerconfigjson]'));
          else {
            try {
              const parsed = JSON.parse(Buffer.from(String(raw), 'base64').toString('utf8'));
              if (!isObj(parsed)) throw new Error('not an object');
            } catch (e) {
              causes.push(
                F.invalid(
                  'data[.dockerconfigjson]',
                  '<secret contents redacted>',
                  e instanceof Error ? e.message : 'invalid JSON',
                ),
              );
            }
          }
        }
        if (obj.type === 'kubernetes.io/dockercfg' && obj.data?.['.dockercfg'] === undefined)
          causes.push(F.required('data[.dockercfg]'));
        if (obj.type === 'kubernetes.io/tls') {
          if (obj.data?.['tls.crt'] === undefined) causes.push(F.required('data[tls.crt]'));
          if (obj.data?.['tls.key'] === undefined) causes.push(F.required('data[tls.key]'));
        }
        break;
      }
      case 'ConfigMap':
        if (isObj(obj.data))
          for (const k of Object.keys(obj.data))
            if (!/^[-._a-zA-Z0-9]+$/.test(k))
              causes.push(
                F.invalid(
                  `data[${k}]`,
                  k,
                  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
                ),
              );
        break;
      case 'HorizontalPodAutoscaler': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (spec.minReplicas === undefined) spec.minReplicas = 1;
        const ref = spec.scaleTargetRef;
        if (!isObj(ref)) causes.push(F.required('spec.scaleTargetRef'));
        else {
          if (!ref.kind) causes.push(F.required('spec.scaleTargetRef.kind'));
          if (!ref.name) causes.push(F.required('spec.scaleTargetRef.name'));
        }
        if (!Number.isInteger(spec.minReplicas) || spec.minReplicas < 1)
          causes.push(F.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
        if (spec.maxReplicas === undefined) causes.push(F.required('spec.maxReplicas'));
        else if (!Number.isInteger(spec.maxReplicas) || spec.maxReplicas < 1)
          causes.push(F.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than 0'));
        else if (Number.isInteger(spec.minReplicas) && spec.maxReplicas < spec.minReplicas)
          causes.push(
            F.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'),
          );
        if (Array.isArray(spec.metrics))
          spec.metrics.forEach((m: J, i: number) => {
            const types = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
            if (!types.includes(m?.type))
              causes.push(F.notSupported(`spec.metrics[${i}].type`, m?.type ?? '', types));
            const t = m?.resource?.target;
            if (
              m?.type === 'Resource' &&
              isObj(t) &&
              !['Utilization', 'Value', 'AverageValue'].includes(t.type)
            )
              causes.push(
                F.notSupported(`spec.metrics[${i}].resource.target.type`, t.type ?? '', [
                  'AverageValue',
                  'Utilization',
                  'Value',
                ]),
              );
          });
        if (!old && !isObj(obj.status?.currentMetrics))
          obj.status = { currentReplicas: 0, desiredReplicas: 0 };
        break;
      }
      case 'PersistentVolumeClaim': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
        if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0)
          causes.push(F.required('spec.accessModes'));
        const st = spec.resources?.requests?.storage;
        if (st === undefined) causes.push(F.required('spec.resources[storage]'));
        else {
          const c = canonicalQuantity(st);
          if (c === undefined)
            throw E.badRequest(
              `PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: ${QTY_MSG}`,
            );
          spec.resources.requests.storage = c;
        }
        if (!old) obj.status = { phase: 'Pending' };
        break;
      }
      case 'PodDisruptionBudget': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
          causes.push(F.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
        break;
      }
      case 'Ingress': {
        const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
        if (!spec.defaultBackend && (!Array.isArray(spec.rules) || spec.rules.length === 0))
          causes.push(F.invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified'));
        if (!old) obj.status = { loadBalancer: {} };
        break;
      }
      case 'RoleBinding':
      case 'ClusterRoleBinding': {
        if (!isObj(obj.roleRef)) causes.push(F.required('roleRef'));
        else {
          if (!obj.roleRef.kind) causes.push(F.required('roleRef.kind'));
          if (!obj.roleRef.name) causes.push(F.required('roleRef.name'));
          if (old && !deepEqual(old.roleRef, obj.roleRef))
            causes.push(F.invalid('roleRef', obj.roleRef, 'cannot change roleRef'));
        }
        break;
      }
      default:
        break;
    }
    if (causes.length) throw invalidError(def, md.name ?? '', causes);
  }

  private doReplace(
    def: ResDef,
    ns: string | undefined,
    name: string,
    body: J,
    dryRun: boolean,
    statusOnly: boolean,
  ): J {
    const old = this.getLive(def, ns, name);
    const obj = this.normalizeBody(def, body);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name)
      throw E.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    if (
      def.namespaced &&
      obj.metadata.namespace !== undefined &&
      obj.metadata.namespace !== '' &&
      obj.metadata.namespace !== ns
    )
      throw E.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (!old) throw E.notFound(def, name);
    return this.commitUpdate(def, old, obj, dryRun, statusOnly);
  }

  /** Shared tail of PUT and PATCH: precondition, preserve system fields, validate, store. */
  private commitUpdate(def: ResDef, old: J, incoming: J, dryRun: boolean, statusOnly: boolean): J {
    const name = old.metadata.name;
    const rvIn = incoming.metadata?.resourceVersion;
    if (rvIn !== undefined && rvIn !== '' && String(rvIn) !== old.metadata.resourceVersion)
      throw E.conflict(def, name);
    if (
      incoming.metadata?.uid !== undefined &&
      incoming.metadata.uid !== '' &&
      incoming.metadata.uid !== old.metadata.uid
    ) {
      throw new ApiError(
        409,
        statusBody(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": Precondition failed: UID in precondition: ${incoming.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
          resDetails(def, name),
        ),
      );
    }
    let obj: J;
    if (statusOnly) {
      obj = clone(old);
      obj.status = clone(incoming.status);
      if (obj.status === undefined) delete obj.status;
    } else {
      obj = incoming;
      if (def.hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
    }
    const md = obj.metadata;
    md.name = name;
    if (def.namespaced) md.namespace = old.metadata.namespace;
    else delete md.namespace;
    md.uid = old.metadata.uid;
    md.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) md.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete md.deletionTimestamp;
    delete md.managedFields;
    delete md.selfLink;
    if (def.generation) md.generation = old.metadata.generation ?? 1;
    else delete md.generation;
    if (def.kind === 'Node' && !statusOnly) obj.status = clone(old.status);
    if (def.kind === 'Namespace' && !statusOnly) obj.status = clone(old.status);
    if (!statusOnly) this.defaultAndValidate(def, obj, old);
    if (def.generation && !statusOnly && !deepEqual(old.spec, obj.spec))
      md.generation = (old.metadata.generation ?? 1) + 1;
    md.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(obj, old)) return old; // no-op update: resourceVersion unchanged
    if (dryRun) return obj;
    this.write(def, obj);
    return obj;
  }

  private doPatch(
    def: ResDef,
    ns: string | undefined,
    name: string,
    raw: string,
    ct: string,
    q: URLSearchParams,
    dryRun: boolean,
    statusOnly: boolean,
  ): [number, J] {
    const types = [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ];
    if (!types.includes(ct)) throw E.unsupportedMedia(types);
    let patch: J;
    try {
      patch = JSON.parse(raw);
    } catch (e) {
      if (ct === 'application/apply-patch+yaml')
        throw E.unsupportedMedia(['application/apply-patch+yaml (JSON-encoded bodies only in this fake)']);
      throw E.badRequest(`error decoding patch: ${e instanceof Error ? e.message : String(e)}`);
    }
    const old = this.getLive(def, ns, name);
    if (ct === 'application/apply-patch+yaml') {
      if (!q.get('fieldManager'))
        throw new ApiError(
          422,
          statusBody(
            422,
            'Invalid',
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
            {
              group: 'meta.k8s.io',
              kind: 'PatchOptions',
              causes: [
                {
                  reason: 'FieldValueRequired',
                  message: 'Required value: is required for apply patch',
                  field: 'fieldManager',
                },
              ],
            },
          ),
        );
      if (!isObj(patch)) throw E.badRequest('error decoding YAML: the apply patch must be an object');
      if (!patch.apiVersion || !patch.kind) throw E.badRequest('invalid object type: /, Kind=');
      if (patch.metadata?.name !== undefined && patch.metadata.name !== name)
        throw E.badRequest(
          `the name of the object (${patch.metadata.name}) does not match the name on the URL (${name})`,
        );
      if (!old) {
        const body = clone(patch);
        body.metadata = { ...(body.metadata ?? {}), name };
        const created = this.doCreate(def, ns, body, dryRun);
        return [201, clone(created)];
      }
    }
    if (!old) throw E.notFound(def, name);
    const current = clone(old);
    let result: J;
    try {
      if (ct === 'application/json-patch+json') result = applyJsonPatch(current, patch);
      else if (ct === 'application/merge-patch+json') {
        if (!isObj(patch)) throw E.badRequest('error decoding patch: merge patch must be a JSON object');
        result = mergePatch(current, patch);
      } else {
        if (!isObj(patch))
          throw E.badRequest('error decoding patch: strategic merge patch must be a JSON object');
        const p = clone(patch);
        if (ct === 'application/apply-patch+yaml' && isObj(p.metadata)) delete p.metadata.resourceVersion;
        result = strategicMergePatch(current, p);
      }
    } catch (e) {
      if (e instanceof PatchError)
        throw new ApiError(
          422,
          statusBody(422, 'Invalid', 'the server rejected our request due to an error in our request', {
            causes: [{ reason: 'UnexpectedServerResponse', message: e.message }],
          }),
        );
      throw e;
    }
    if (!isObj(result)) throw E.badRequest('the patched object is not a JSON object');
    // a resourceVersion left in the patched object acts as a precondition (stale -> 409)
    const patched = this.normalizeBody(def, result);
    const updated = this.commitUpdate(def, old, patched, dryRun, statusOnly);
    return [200, clone(updated)];
  }

  private doDelete(
    def: ResDef,
    ns: string | undefined,
    name: string,
    opts: J,
    policy: string | undefined,
    dryRun: boolean,
  ): [number, J] {
    const o = this.getLive(def, ns, name);
    if (!o) throw E.notFound(def, name);
    if (def === D.ns && ['default', 'kube-system', 'kube-public'].includes(name))
      throw E.forbidden(def, name, 'this namespace may not be deleted');
    const pre = opts?.preconditions;
    if (isObj(pre)) {
      if (pre.uid && pre.uid !== o.metadata.uid)
        throw new ApiError(
          409,
          statusBody(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${o.metadata.uid}`,
            resDetails(def, name),
          ),
        );
      if (pre.resourceVersion && pre.resourceVersion !== o.metadata.resourceVersion)
        throw new ApiError(
          409,
          statusBody(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion}`,
            resDetails(def, name),
          ),
        );
    }
    const out = clone(o);
    if (!dryRun) {
      if (policy === 'Orphan') this.orphanDependents(o.metadata.uid);
      this.deleteLive(def, o);
    }
    if (def.deleteReturnsObject) {
      out.metadata.deletionTimestamp = nowTs();
      if (def === D.ns) out.status = { ...(out.status ?? {}), phase: 'Terminating' };
      if (def === D.pod)
        out.metadata.deletionGracePeriodSeconds = out.spec?.terminationGracePeriodSeconds ?? 30;
      return [200, out];
    }
    const details: J = { name };
    if (def.group) details.group = def.group;
    details.kind = def.plural;
    details.uid = o.metadata.uid;
    return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }];
  }

  private doDeleteCollection(def: ResDef, ns: string | undefined, q: URLSearchParams, dryRun: boolean): J {
    const list = this.doList(def, ns, q);
    if (!dryRun) {
      for (const item of list.items) {
        const o = this.getLive(def, item.metadata.namespace, item.metadata.name);
        if (o) this.deleteLive(def, o);
      }
      this.reconcile();
    }
    return list;
  }

  private handleScale(
    method: string,
    def: ResDef,
    ns: string | undefined,
    name: string,
    raw: string,
    ct: string,
  ): [number, J] {
    const o = this.getLive(def, ns, name);
    if (!o) throw E.notFound(def, name);
    const scaleOf = (x: J): J => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: x.metadata.name,
        namespace: x.metadata.namespace,
        uid: x.metadata.uid,
        resourceVersion: x.metadata.resourceVersion,
        creationTimestamp: x.metadata.creationTimestamp,
      },
      spec: { replicas: x.spec?.replicas ?? 0 },
      status: { replicas: x.status?.replicas ?? 0, selector: selectorToString(x.spec?.selector) },
    });
    if (method === 'GET') return [200, scaleOf(o)];
    let scale: J;
    if (method === 'PUT') scale = this.parseBody(raw);
    else if (method === 'PATCH') {
      let patch: J;
      try {
        patch = JSON.parse(raw);
      } catch {
        throw E.badRequest('error decoding patch');
      }
      const cur = scaleOf(o);
      try {
        scale = ct === 'application/json-patch+json' ? applyJsonPatch(cur, patch) : mergePatch(cur, patch);
      } catch (e) {
        if (e instanceof PatchError)
          throw new ApiError(
            422,
            statusBody(422, 'Invalid', 'the server rejected our request due to an error in our request', {
              causes: [{ reason: 'UnexpectedServerResponse', message: e.message }],
            }),
          );
        throw e;
      }
    } else throw E.methodNotAllowed();
    const replicas = scale?.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new ApiError(
        422,
        statusBody(
          422,
          'Invalid',
          `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${fmtVal(replicas)}: must be greater than or equal to 0`,
          {
            name,
            group: 'autoscaling',
            kind: 'Scale',
            causes: [
              {
                reason: 'FieldValueInvalid',
                message: `Invalid value: ${fmtVal(replicas)}: must be greater than or equal to 0`,
                field: 'spec.replicas',
              },
            ],
          },
        ),
      );
    const rvIn = scale?.metadata?.resourceVersion;
    if (method === 'PUT' && rvIn && rvIn !== o.metadata.resourceVersion) throw E.conflict(def, name);
    if (o.spec.replicas !== replicas) {
      o.spec.replicas = replicas;
      o.metadata.generation = (o.metadata.generation ?? 1) + 1;
      this.write(def, o);
      this.reconcile();
    }
    return [200, scaleOf(this.getLive(def, ns, name))];
  }

  /** GET pods/{name}/log: a few synthetic lines, like a container that logs its start-up. */
  private podLog(ns: string | undefined, name: string, q: URLSearchParams): [number, J] {
    const pod = this.getLive(D.pod, ns, name);
    if (!pod) throw E.notFound(D.pod, name);
    const containers: J[] = pod.spec?.containers ?? [];
    const cname = q.get('container') ?? (containers.length === 1 ? containers[0]?.name : undefined);
    if (!cname)
      throw E.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
      );
    if (!containers.some((c) => c.name === cname))
      throw E.badRequest(`container ${cname} is not valid for pod ${name}`);
    const cs = (pod.status?.containerStatuses ?? []).find((x: J) => x.name === cname);
    const crashLoop = cs?.state?.waiting?.reason === 'CrashLoopBackOff';
    if (!cs || (cs.state?.waiting && !crashLoop)) {
      const reason = cs?.state?.waiting?.reason ?? 'ContainerCreating';
      throw E.badRequest(`container "${cname}" in pod "${name}" is waiting to start: ${reason}`);
    }
    const image = containers.find((c) => c.name === cname)?.image ?? '';
    const lines = [`starting ${image}`, `container ${cname} in pod ${ns}/${name} is running`];
    if (crashLoop) lines.push('fatal: simulated crash (cluster mode "crash")');
    if (cs.state?.terminated) lines.push(`exited with code ${cs.state.terminated.exitCode}`);
    return [200, lines.join('\n') + '\n'];
  }

  // ---- controllers --------------------------------------------------------

  /** Run all controllers synchronously until the state is stable. */
  private reconcile(): void {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      for (let i = 0; i < 12; i++) {
        this.changed = false;
        if (this.needGc) this.collectGarbage();
        this.changed = false;
        this.hpaController();
        this.deploymentController();
        this.replicaSetController();
        this.daemonSetController();
        this.statefulSetController();
        this.jobController();
        this.podGc();
        this.scheduler();
        this.kubelet();
        this.replicaSetStatus();
        this.deploymentStatus();
        this.daemonSetStatus();
        this.statefulSetStatus();
        this.jobStatus();
        if (this.needGc) this.collectGarbage();
        if (!this.changed) break;
      }
    } finally {
      this.reconciling = false;
    }
  }

  private ownedBy(def: ResDef, owner: J): J[] {
    const uid = owner.metadata.uid;
    return this.listLive(def, owner.metadata.namespace).filter(
      (o) =>
        Array.isArray(o.metadata.ownerReferences) &&
        o.metadata.ownerReferences.some((r: J) => r?.uid === uid && r.controller),
    );
  }

  private ownerRef(def: ResDef, owner: J): J {
    return {
      apiVersion: gvOf(def),
      kind: def.kind,
      name: owner.metadata.name,
      uid: owner.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  private setStatus(def: ResDef, obj: J, status: J): void {
    if (deepEqual(obj.status, status)) return;
    obj.status = status;
    this.write(def, obj);
  }

  private newPod(
    owner: J,
    ownerDef: ResDef,
    name: string,
    extraLabels: Record<string, string>,
    nodeName?: string,
  ): J {
    const tmpl = clone(owner.spec.template ?? {});
    const tmd = isObj(tmpl.metadata) ? tmpl.metadata : {};
    const spec = isObj(tmpl.spec) ? tmpl.spec : {};
    defaultPodSpec(spec, 'Pod', 'v1', true, 'Always');
    if (nodeName) spec.nodeName = nodeName;
    const pod: J = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        uid: randomUUID(),
        creationTimestamp: nowTs(),
        labels: { ...(tmd.labels ?? {}), ...extraLabels },
        ownerReferences: [this.ownerRef(ownerDef, owner)],
      },
      spec,
      status: { phase: 'Pending', qosClass: qosClass(spec) },
    };
    if (isObj(tmd.annotations) && Object.keys(tmd.annotations).length)
      pod.metadata.annotations = { ...tmd.annotations };
    if (ownerDef !== D.sts) pod.metadata.generateName = `${name.slice(0, name.lastIndexOf('-'))}-`;
    this.write(D.pod, pod);
    return pod;
  }

  private uniquePodName(ns: string, prefix: string): string {
    for (;;) {
      const n = `${prefix}-${randSuffix()}`;
      if (!this.getLive(D.pod, ns, n)) return n;
    }
  }

  private hpaController(): void {
    for (const h of this.listLive(D.hpa)) {
      const ref = h.spec?.scaleTargetRef;
      const tdef = RESOURCES.find(
        (r) =>
          r.kind === ref?.kind &&
          (ref.apiVersion ? gvOf(r) === ref.apiVersion : true) &&
          ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(r.kind),
      );
      const target = tdef ? this.getLive(tdef, h.metadata.namespace, ref.name) : undefined;
      const min = h.spec?.minReplicas ?? 1;
      const max = h.spec?.maxReplicas ?? min;
      if (!target || !tdef) {
        this.setStatus(D.hpa, h, {
          currentReplicas: 0,
          desiredReplicas: 0,
          conditions: [
            {
              type: 'AbleToScale',
              status: 'False',
              reason: 'FailedGetScale',
              message: `the HPA controller was unable to get the target's current scale: ${ref?.kind ?? ''}.${tdef?.group ?? 'apps'} "${ref?.name ?? ''}" not found`,
              lastTransitionTime: h.status?.conditions?.[0]?.lastTransitionTime ?? nowTs(),
            },
          ],
        });
        continue;
      }
      const cur = target.spec?.replicas ?? 1;
      const desired = Math.min(max, Math.max(min, cur));
      if (desired !== cur && cur !== 0) {
        target.spec.replicas = desired;
        target.metadata.generation = (target.metadata.generation ?? 1) + 1;
        this.write(tdef, target);
      }
      const st: J = { currentReplicas: target.status?.replicas ?? 0, desiredReplicas: desired };
      const prevLt = h.status?.conditions?.[0]?.lastTransitionTime ?? nowTs();
      st.conditions = [
        {
          type: 'AbleToScale',
          status: 'True',
          reason: 'ReadyForNewScale',
          message: 'recommended size matches current size',
          lastTransitionTime: prevLt,
        },
      ];
      this.setStatus(D.hpa, h, st);
    }
  }

  private deploymentController(): void {
    for (const d of this.listLive(D.deploy)) {
      const tmpl = d.spec?.template;
      if (!isObj(tmpl)) continue;
      const hash = safeHash(tmpl).slice(0, 10);
      const owned = this.ownedBy(D.rs, d);
      let newRs = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
      const maxRev = owned.reduce(
        (m, rs) => Math.max(m, Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)),
        0,
      );
      const replicas = d.spec.replicas ?? 1;
      if (!newRs) {
        const labels = { ...(tmpl.metadata?.labels ?? {}), 'pod-template-hash': hash };
        const sel = clone(d.spec.selector ?? {});
        sel.matchLabels = { ...(sel.matchLabels ?? {}), 'pod-template-hash': hash };
        const t = clone(tmpl);
        t.metadata = { ...(t.metadata ?? {}), labels };
        newRs = {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: d.metadata.namespace,
            uid: randomUUID(),
            creationTimestamp: nowTs(),
            generation: 1,
            labels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + surge(d, replicas)),
              'deployment.kubernetes.io/revision': String(maxRev + 1),
            },
            ownerReferences: [this.ownerRef(D.deploy, d)],
          },
          spec: { replicas, minReadySeconds: d.spec.minReadySeconds ?? 0, selector: sel, template: t },
          status: { replicas: 0 },
        };
        if (!d.spec.minReadySeconds) delete newRs.spec.minReadySeconds;
        this.write(D.rs, newRs);
      } else {
        let dirty = false;
        const revNow = Number(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
        if (revNow < maxRev) {
          newRs.metadata.annotations['deployment.kubernetes.io/revision'] = String(maxRev + 1);
          dirty = true;
        }
        if (newRs.spec.replicas !== replicas) {
          newRs.spec.replicas = replicas;
          newRs.metadata.generation = (newRs.metadata.generation ?? 1) + 1;
          newRs.metadata.annotations['deployment.kubernetes.io/desired-replicas'] = String(replicas);
          newRs.metadata.annotations['deployment.kubernetes.io/max-replicas'] = String(
            replicas + surge(d, replicas),
          );
          dirty = true;
        }
        if (dirty) this.write(D.rs, newRs);
      }
      // instant rollout: every old ReplicaSet goes to zero
      const olds = owned.filter((rs) => rs !== newRs);
      for (const rs of olds) {
        if (rs.spec.replicas !== 0) {
          rs.spec.replicas = 0;
          rs.metadata.generation = (rs.metadata.generation ?? 1) + 1;
          this.write(D.rs, rs);
        }
      }
      // revisionHistoryLimit
      const limit = d.spec.revisionHistoryLimit ?? 10;
      const idle = olds
        .filter((rs) => rs.spec.replicas === 0 && !(rs.status?.replicas > 0))
        .sort(
          (a, b) =>
            Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) -
            Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
        );
      while (idle.length > limit) {
        const rs = idle.shift();
        if (rs) this.deleteLive(D.rs, rs);
      }
      const rev = newRs.metadata.annotations?.['deployment.kubernetes.io/revision'];
      if (rev && d.metadata.annotations?.['deployment.kubernetes.io/revision'] !== rev) {
        d.metadata.annotations = {
          ...(d.metadata.annotations ?? {}),
          'deployment.kubernetes.io/revision': rev,
        };
        this.write(D.deploy, d);
      }
    }
  }

  private replicaSetController(): void {
    for (const rs of this.listLive(D.rs)) {
      const want = rs.spec?.replicas ?? 1;
      const pods = this.ownedBy(D.pod, rs).filter((p) => !isTerminal(p));
      if (pods.length < want) {
        for (let i = pods.length; i < want; i++)
          this.newPod(rs, D.rs, this.uniquePodName(rs.metadata.namespace, rs.metadata.name), {});
      } else if (pods.length > want) {
        // delete unscheduled first, then not ready, then newest
        const rank = (p: J) =>
          !p.spec.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !podReady(p) ? 2 : 3;
        pods.sort(
          (a, b) =>
            rank(a) - rank(b) || (a.metadata.creationTimestamp < b.metadata.creationTimestamp ? 1 : -1),
        );
        for (const p of pods.slice(0, pods.length - want)) this.deleteLive(D.pod, p);
      }
    }
  }

  private nodeMatchesPod(node: J, podSpec: J): boolean {
    const labels = node.metadata.labels ?? {};
    if (isObj(podSpec?.nodeSelector))
      for (const [k, v] of Object.entries(podSpec.nodeSelector)) if (labels[k] !== v) return false;
    const terms =
      podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (Array.isArray(terms) && terms.length > 0) {
      const ok = terms.some((t: J) => {
        const exprs: J[] = Array.isArray(t?.matchExpressions) ? t.matchExpressions : [];
        const fields: J[] = Array.isArray(t?.matchFields) ? t.matchFields : [];
        if (exprs.length === 0 && fields.length === 0) return false;
        const reqs: LabelReq[] = exprs.map((e) => nodeSelReq(e));
        if (!matchLabelReqs(reqs, labels)) return false;
        for (const f of fields)
          if (
            f?.key === 'metadata.name' &&
            !matchLabelReqs([nodeSelReq({ ...f, key: 'n' })], { n: node.metadata.name })
          )
            return false;
        return true;
      });
      if (!ok) return false;
    }
    return true;
  }

  private daemonSetController(): void {
    const nodes = this.listLive(D.node);
    for (const ds of this.listLive(D.ds)) {
      const tmpl = ds.spec?.template;
      if (!isObj(tmpl)) continue;
      const hash = safeHash(tmpl).slice(0, 10);
      const pods = this.ownedBy(D.pod, ds);
      const wanted = new Set(
        nodes
          .filter(
            (n) =>
              this.nodeMatchesPod(n, tmpl.spec) &&
              tolerates(tmpl.spec, n, [
                'node.kubernetes.io/not-ready',
                'node.kubernetes.io/unreachable',
                'node.kubernetes.io/unschedulable',
              ]),
          )
          .map((n) => n.metadata.name),
      );
      const have = new Set<string>();
      for (const p of pods) {
        const nn = p.spec.nodeName;
        if (!wanted.has(nn) || have.has(nn) || p.metadata.labels?.['controller-revision-hash'] !== hash) {
          this.deleteLive(D.pod, p);
          continue;
        }
        have.add(nn);
      }
      for (const nn of wanted) {
        if (have.has(nn)) continue;
        this.newPod(
          ds,
          D.ds,
          this.uniquePodName(ds.metadata.namespace, ds.metadata.name),
          {
            'controller-revision-hash': hash,
            'pod-template-generation': String(ds.metadata.generation ?? 1),
          },
          nn,
        );
      }
    }
  }

  private statefulSetController(): void {
    for (const sts of this.listLive(D.sts)) {
      const tmpl = sts.spec?.template;
      if (!isObj(tmpl)) continue;
      const rev = `${sts.metadata.name}-${safeHash(tmpl).slice(0, 10)}`;
      const want = sts.spec.replicas ?? 1;
      const ordered = (sts.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
      const pods = this.ownedBy(D.pod, sts);
      const byOrd = new Map<number, J>();
      for (const p of pods) {
        const m = /-(\d+)$/.exec(p.metadata.name);
        const ord = m ? Number(m[1]) : -1;
        if (
          ord < 0 ||
          ord >= want ||
          p.metadata.labels?.['controller-revision-hash'] !== rev ||
          byOrd.has(ord)
        ) {
          this.deleteLive(D.pod, p);
          continue;
        }
        byOrd.set(ord, p);
      }
      for (let i = 0; i < want; i++) {
        if (byOrd.has(i)) {
          if (ordered && !podReady(byOrd.get(i))) break;
          continue;
        }
        const name = `${sts.metadata.name}-${i}`;
        if (this.getLive(D.pod, sts.metadata.namespace, name)) break;
        const pod = this.newPod(sts, D.sts, name, {
          'controller-revision-hash': rev,
          'statefulset.kubernetes.io/pod-name': name,
          'apps.kubernetes.io/pod-index': String(i),
        });
        pod.spec.hostname = name;
        if (sts.spec.serviceName) pod.spec.subdomain = sts.spec.serviceName;
        byOrd.set(i, pod);
        if (ordered) break;
      }
    }
  }

  private jobController(): void {
    for (const job of this.listLive(D.job)) {
      if (job.spec?.suspend) continue;
      if (
        job.status?.conditions?.some(
          (c: J) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
        )
      )
        continue;
      const pods = this.ownedBy(D.pod, job);
      const completions = job.spec?.completions ?? 1;
      if (pods.length === 0) {
        for (let i = 0; i < completions; i++)
          this.newPod(job, D.job, this.uniquePodName(job.metadata.namespace, job.metadata.name), {
            'batch.kubernetes.io/controller-uid': job.metadata.uid,
            'batch.kubernetes.io/job-name': job.metadata.name,
            'controller-uid': job.metadata.uid,
            'job-name': job.metadata.name,
          });
      }
    }
  }

  /** Pods bound to nodes that no longer exist are deleted (pod GC). */
  private podGc(): void {
    for (const p of this.listLive(D.pod)) {
      if (p.spec?.nodeName && !this.getLive(D.node, undefined, p.spec.nodeName)) this.deleteLive(D.pod, p);
    }
  }

  private scheduler(): void {
    const pending = this.listLive(D.pod).filter((p) => !p.spec?.nodeName && !isTerminal(p));
    if (pending.length === 0) return;
    const nodes = this.listLive(D.node);
    for (const pod of pending) {
      const reasons = new Map<string, number>();
      const bump = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
      const fits: J[] = [];
      for (const n of nodes) {
        if (n.spec?.unschedulable) {
          bump('node(s) were unschedulable');
          continue;
        }
        const taint = untoleratedTaint(pod.spec, n, []);
        if (taint) {
          bump(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
          continue;
        }
        if (!this.nodeMatchesPod(n, pod.spec)) {
          bump("node(s) didn't match Pod's node affinity/selector");
          continue;
        }
        if (this.enforceResources) {
          const insufficient = this.insufficientResources(n, pod);
          if (insufficient.length) {
            for (const r of insufficient) bump(`Insufficient ${r}`);
            continue;
          }
        }
        fits.push(n);
      }
      if (fits.length === 0) {
        const parts = [...reasons.entries()]
          .sort((a, b) => (a[0] < b[0] ? -1 : 1))
          .map(([r, c]) => `${c} ${r}`);
        const msg = `0/${nodes.length} nodes are available: ${parts.join(', ')}${parts.length ? '. ' : ''}preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
        const prev = pod.status?.conditions?.find((c: J) => c.type === 'PodScheduled');
        const st = {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              lastProbeTime: null,
              lastTransitionTime: prev?.status === 'False' ? prev.lastTransitionTime : nowTs(),
              reason: 'Unschedulable',
              message: msg,
            },
          ],
          qosClass: qosClass(pod.spec),
        };
        this.setStatus(D.pod, pod, st);
        continue;
      }
      const node = fits[this.rr++ % fits.length];
      pod.spec.nodeName = node.metadata.name;
      this.write(D.pod, pod);
    }
  }

  private insufficientResources(node: J, pod: J): string[] {
    const alloc = node.status?.allocatable ?? {};
    const want = podRequests(pod.spec);
    if (Object.keys(want).length === 0) return [];
    const used: Record<string, number> = {};
    for (const p of this.listLive(D.pod)) {
      if (p.spec?.nodeName !== node.metadata.name || isTerminal(p) || p === pod) continue;
      for (const [k, v] of Object.entries(podRequests(p.spec))) used[k] = (used[k] ?? 0) + v;
    }
    const out: string[] = [];
    for (const [k, v] of Object.entries(want)) {
      if (v <= 0) continue;
      const cap = parseQuantity(alloc[k]) ?? 0;
      if ((used[k] ?? 0) + v > cap + 1e-9) out.push(k);
    }
    return out;
  }

  private imageFails(image: string): boolean {
    if (this.failingImages.has(image)) return true;
    const noDigest = image.split('@')[0] as string;
    const lastSlash = noDigest.lastIndexOf('/');
    const colon = noDigest.lastIndexOf(':');
    const repo = colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
    return (
      this.failingImages.has(repo) ||
      this.failingImages.has(fqImage(image)) ||
      this.failingImages.has(fqImage(repo))
    );
  }

  /** Compute pod status from mode, node readiness and images. Pods run immediately. */
  private kubelet(): void {
    for (const pod of this.listLive(D.pod)) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || isTerminal(pod)) continue;
      const node = this.getLive(D.node, undefined, nodeName);
      if (!node) continue;
      const old = pod.status ?? {};
      const nodeReady = node.status?.conditions?.some((c: J) => c.type === 'Ready' && c.status === 'True');
      const ts = nowTs();
      const keepLt = (type: string, status: string) => {
        const prev = (old.conditions ?? []).find((c: J) => c.type === type);
        return prev && prev.status === status ? prev.lastTransitionTime : ts;
      };
      const cond = (type: string, status: string, reason?: string, message?: string): J => {
        const c: J = { type, status, lastProbeTime: null, lastTransitionTime: keepLt(type, status) };
        if (reason) c.reason = reason;
        if (message) c.message = message;
        return c;
      };
      if (!nodeReady) {
        if (!Array.isArray(old.containerStatuses)) {
          // kubelet is down: the pod stays Pending, bound but not started
          this.setStatus(D.pod, pod, {
            phase: 'Pending',
            conditions: [cond('PodScheduled', 'True')],
            qosClass: qosClass(pod.spec),
          });
        } else {
          // node lifecycle controller marks pods NotReady; container statuses stay as last reported
          const st = clone(old);
          st.conditions = (st.conditions ?? []).map((c: J) =>
            c.type === 'Ready' ? cond('Ready', 'False') : c,
          );
          this.setStatus(D.pod, pod, st);
        }
        continue;
      }
      const restart = pod.spec.restartPolicy ?? 'Always';
      const prevStatuses = new Map<string, J>();
      for (const cs of [...(old.initContainerStatuses ?? []), ...(old.containerStatuses ?? [])])
        prevStatuses.set(cs.name, cs);
      const cid = (c: J) =>
        prevStatuses.get(c.name)?.containerID ??
        `containerd://${createHash('sha256')
          .update(pod.metadata.uid + c.name + Math.random())
          .digest('hex')}`;
      const imageID = (img: string) =>
        `${fqImage(img).replace(/:[^/:]+$/, '')}@sha256:${createHash('sha256').update(img).digest('hex')}`;
      const startedAt = (c: J) => prevStatuses.get(c.name)?.state?.running?.startedAt ?? ts;

      // init containers
      const initStatuses: J[] = [];
      let initBlocked = false;
      for (const c of pod.spec.initContainers ?? []) {
        const prev = prevStatuses.get(c.name);
        if (this.imageFails(c.image)) {
          initStatuses.push({
            name: c.name,
            image: fqImage(c.image),
            imageID: '',
            ready: false,
            restartCount: prev?.restartCount ?? 0,
            started: false,
            state: { waiting: { reason: 'ErrImagePull', message: pullMessage(c.image) } },
            lastState: {},
          });
          initBlocked = true;
          break;
        }
        const term =
          prev?.state?.terminated?.reason === 'Completed'
            ? prev.state.terminated
            : { exitCode: 0, reason: 'Completed', startedAt: ts, finishedAt: ts, containerID: cid(c) };
        initStatuses.push({
          name: c.name,
          image: fqImage(c.image),
          imageID: imageID(c.image),
          containerID: cid(c),
          ready: true,
          restartCount: prev?.restartCount ?? 0,
          started: false,
          state: { terminated: term },
          lastState: {},
        });
      }
      const statuses: J[] = [];
      let pullErr = false;
      let crashed = false;
      let running = 0;
      let completed = 0;
      let failed = 0;
      for (const c of pod.spec.containers ?? []) {
        const prev = prevStatuses.get(c.name);
        const base = { name: c.name, image: fqImage(c.image) };
        if (initBlocked) {
          statuses.push({
            ...base,
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: { waiting: { reason: 'PodInitializing' } },
            lastState: {},
          });
          pullErr = true;
          continue;
        }
        if (this.imageFails(c.image)) {
          pullErr = true;
          statuses.push({
            ...base,
            imageID: '',
            ready: false,
            restartCount: prev?.restartCount ?? 0,
            started: false,
            state: { waiting: { reason: 'ErrImagePull', message: pullMessage(c.image) } },
            lastState: {},
          });
          continue;
        }
        if (this.simMode === 'crash') {
          crashed = true;
          const lastTerm = {
            exitCode: 1,
            reason: 'Error',
            startedAt: ts,
            finishedAt: ts,
            containerID: cid(c),
          };
          if (restart === 'Never') {
            failed++;
            statuses.push({
              ...base,
              imageID: imageID(c.image),
              containerID: cid(c),
              ready: false,
              restartCount: 0,
              started: false,
              state: {
                terminated: prev?.state?.terminated?.reason === 'Error' ? prev.state.terminated : lastTerm,
              },
              lastState: {},
            });
            continue;
          }
          const wasCrashing = prev?.state?.waiting?.reason === 'CrashLoopBackOff';
          const rc = wasCrashing ? prev.restartCount : Math.max(1, (prev?.restartCount ?? 0) + 1);
          statuses.push({
            ...base,
            imageID: imageID(c.image),
            containerID: cid(c),
            ready: false,
            restartCount: rc,
            started: false,
            state: {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
              },
            },
            lastState: { terminated: wasCrashing ? (prev.lastState?.terminated ?? lastTerm) : lastTerm },
          });
          continue;
        }
        // healthy
        if (restart !== 'Always') {
          completed++;
          const t =
            prev?.state?.terminated?.reason === 'Completed'
              ? prev.state.terminated
              : { exitCode: 0, reason: 'Completed', startedAt: ts, finishedAt: ts, containerID: cid(c) };
          statuses.push({
            ...base,
            imageID: imageID(c.image),
            containerID: cid(c),
            ready: false,
            restartCount: prev?.restartCount ?? 0,
            started: false,
            state: { terminated: t },
            lastState: prev?.lastState ?? {},
          });
          continue;
        }
        running++;
        const wasCrashing = prev?.state?.waiting?.reason === 'CrashLoopBackOff';
        statuses.push({
          ...base,
          imageID: imageID(c.image),
          containerID: cid(c),
          ready: true,
          restartCount: prev?.restartCount ?? 0,
          started: true,
          state: { running: { startedAt: wasCrashing ? ts : startedAt(c) } },
          lastState: wasCrashing ? (prev.lastState ?? {}) : (prev?.lastState ?? {}),
        });
      }
      const total = (pod.spec.containers ?? []).length;
      let phase: string;
      if (pullErr && running === 0 && !crashed) phase = 'Pending';
      else if (pullErr) phase = 'Pending';
      else if (failed > 0 && failed + completed === total) phase = 'Failed';
      else if (completed === total && total > 0) phase = 'Succeeded';
      else phase = 'Running';
      const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
      const allReady = notReady.length === 0 && total > 0;
      const terminalDone = phase === 'Succeeded' || phase === 'Failed';
      const readyReason = terminalDone ? 'PodCompleted' : 'ContainersNotReady';
      const readyMsg = terminalDone ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
      const conditions = [
        cond('PodReadyToStartContainers', terminalDone ? 'False' : 'True'),
        initBlocked
          ? cond(
              'Initialized',
              'False',
              'ContainersNotInitialized',
              `containers with incomplete status: [${initStatuses
                .filter((s) => s.state.waiting)
                .map((s) => s.name)
                .join(' ')}]`,
            )
          : cond(
              'Initialized',
              'True',
              terminalDone && (pod.spec.initContainers ?? []).length === 0 ? 'PodCompleted' : undefined,
            ),
        allReady ? cond('Ready', 'True') : cond('Ready', 'False', readyReason, readyMsg),
        allReady ? cond('ContainersReady', 'True') : cond('ContainersReady', 'False', readyReason, readyMsg),
        cond('PodScheduled', 'True'),
      ];
      const hostIP = node.status?.addresses?.find((a: J) => a.type === 'InternalIP')?.address ?? '10.0.0.2';
      let podIP = old.podIP as string | undefined;
      if (!podIP) {
        if (pod.spec.hostNetwork) podIP = hostIP;
        else {
          const n = this.ipCounter++;
          podIP = `10.244.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`;
        }
      }
      const st: J = {
        phase,
        conditions,
        hostIP,
        hostIPs: [{ ip: hostIP }],
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: old.startTime ?? ts,
      };
      if (initStatuses.length) st.initContainerStatuses = initStatuses;
      st.containerStatuses = statuses;
      st.qosClass = qosClass(pod.spec);
      this.setStatus(D.pod, pod, st);
    }
  }

  private replicaSetStatus(): void {
    for (const rs of this.listLive(D.rs)) {
      const pods = this.ownedBy(D.pod, rs).filter((p) => !isTerminal(p));
      const ready = pods.filter(podReady).length;
      const reqs = labelSelectorToReqs(
        rs.spec?.template?.metadata?.labels ? { matchLabels: rs.spec.template.metadata.labels } : {},
      );
      const fully = pods.filter((p) => matchLabelReqs(reqs, p.metadata.labels)).length;
      const st: J = omitZero({
        replicas: pods.length,
        fullyLabeledReplicas: fully,
        readyReplicas: ready,
        availableReplicas: ready,
      });
      st.replicas = pods.length; // required field
      st.observedGeneration = rs.metadata.generation ?? 1;
      this.setStatus(D.rs, rs, st);
    }
  }

  private deploymentStatus(): void {
    for (const d of this.listLive(D.deploy)) {
      const tmpl = d.spec?.template;
      if (!isObj(tmpl)) continue;
      const hash = safeHash(tmpl).slice(0, 10);
      const owned = this.ownedBy(D.rs, d);
      const newRs = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
      let replicas = 0;
      let ready = 0;
      let available = 0;
      for (const rs of owned) {
        replicas += rs.status?.replicas ?? 0;
        ready += rs.status?.readyReplicas ?? 0;
        available += rs.status?.availableReplicas ?? 0;
      }
      const updated = newRs?.status?.replicas ?? 0;
      const want = d.spec.replicas ?? 1;
      const maxUnavail = maxUnavailable(d, want);
      const prevConds: J[] = d.status?.conditions ?? [];
      const ts = nowTs();
      const mk = (type: string, status: string, reason: string, message: string): J => {
        const prev = prevConds.find((c) => c.type === type);
        const same = prev && prev.status === status && prev.reason === reason && prev.message === message;
        return {
          type,
          status,
          lastUpdateTime: same ? prev.lastUpdateTime : ts,
          lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : ts,
          reason,
          message,
        };
      };
      const availableOk = available >= want - maxUnavail;
      const complete =
        updated === want &&
        replicas === want &&
        available === want &&
        (newRs?.status?.availableReplicas ?? 0) === want;
      const conditions = [
        availableOk
          ? mk('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : mk(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        complete
          ? mk(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${newRs?.metadata.name ?? ''}" has successfully progressed.`,
            )
          : mk(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${newRs?.metadata.name ?? ''}" is progressing.`,
            ),
      ];
      const st: J = {
        observedGeneration: d.metadata.generation ?? 1,
        ...omitZero({
          replicas,
          updatedReplicas: updated,
          readyReplicas: ready,
          availableReplicas: available,
          unavailableReplicas: Math.max(0, want - available),
        }),
        conditions,
      };
      this.setStatus(D.deploy, d, st);
    }
  }

  private daemonSetStatus(): void {
    const nodes = this.listLive(D.node);
    for (const ds of this.listLive(D.ds)) {
      const tmpl = ds.spec?.template;
      if (!isObj(tmpl)) continue;
      const hash = safeHash(tmpl).slice(0, 10);
      const desired = nodes.filter(
        (n) =>
          this.nodeMatchesPod(n, tmpl.spec) &&
          tolerates(tmpl.spec, n, [
            'node.kubernetes.io/not-ready',
            'node.kubernetes.io/unreachable',
            'node.kubernetes.io/unschedulable',
          ]),
      ).length;
      const pods = this.ownedBy(D.pod, ds).filter((p) => !isTerminal(p));
      const ready = pods.filter(podReady).length;
      const updated = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length;
      const st: J = {
        currentNumberScheduled: pods.length,
        desiredNumberScheduled: desired,
        numberMisscheduled: 0,
        numberReady: ready,
        observedGeneration: ds.metadata.generation ?? 1,
        ...omitZero({
          numberAvailable: ready,
          numberUnavailable: Math.max(0, desired - ready),
          updatedNumberScheduled: updated,
        }),
      };
      this.setStatus(D.ds, ds, st);
    }
  }

  private statefulSetStatus(): void {
    for (const sts of this.listLive(D.sts)) {
      const tmpl = sts.spec?.template;
      if (!isObj(tmpl)) continue;
      const rev = `${sts.metadata.name}-${safeHash(tmpl).slice(0, 10)}`;
      const pods = this.ownedBy(D.pod, sts).filter((p) => !isTerminal(p));
      const ready = pods.filter(podReady).length;
      const cur = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === rev).length;
      const st: J = {
        observedGeneration: sts.metadata.generation ?? 1,
        replicas: pods.length,
        availableReplicas: ready,
        ...omitZero({ readyReplicas: ready, currentReplicas: cur, updatedReplicas: cur }),
        currentRevision: rev,
        updateRevision: rev,
        collisionCount: 0,
      };
      this.setStatus(D.sts, sts, st);
    }
  }

  private jobStatus(): void {
    for (const job of this.listLive(D.job)) {
      const pods = this.ownedBy(D.pod, job);
      const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
      const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
      const active = pods.length - succeeded - failed;
      const ready = pods.filter(podReady).length;
      const completions = job.spec?.completions ?? 1;
      const old = job.status ?? {};
      const ts = nowTs();
      const st: J = {
        ...omitZero({ active, succeeded, failed }),
        ready,
        terminating: 0,
        uncountedTerminatedPods: {},
      };
      if (pods.length) st.startTime = old.startTime ?? ts;
      const conds: J[] = [];
      const keep = (type: string) => (old.conditions ?? []).find((c: J) => c.type === type);
      if (succeeded >= completions) {
        const t = keep('Complete');
        conds.push(
          keep('SuccessCriteriaMet') ?? {
            type: 'SuccessCriteriaMet',
            status: 'True',
            lastProbeTime: ts,
            lastTransitionTime: ts,
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
          },
        );
        conds.push(
          t ?? {
            type: 'Complete',
            status: 'True',
            lastProbeTime: ts,
            lastTransitionTime: ts,
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
          },
        );
        st.completionTime = old.completionTime ?? ts;
      } else if (failed > 0 && active === 0) {
        conds.push(
          keep('FailureTarget') ?? {
            type: 'FailureTarget',
            status: 'True',
            lastProbeTime: ts,
            lastTransitionTime: ts,
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        );
        conds.push(
          keep('Failed') ?? {
            type: 'Failed',
            status: 'True',
            lastProbeTime: ts,
            lastTransitionTime: ts,
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        );
      }
      if (conds.length) st.conditions = conds;
      this.setStatus(D.job, job, st);
    }
  }
}

// ---------------------------------------------------------------------------
// Pod helpers
// ---------------------------------------------------------------------------

function isTerminal(p: J): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

function podReady(p: J): boolean {
  return !!p?.status?.conditions?.some((c: J) => c.type === 'Ready' && c.status === 'True');
}

function nodeSelReq(e: J): LabelReq {
  const values = Array.isArray(e?.values) ? e.values.map(String) : [];
  switch (e?.operator) {
    case 'In':
      return { key: e.key, op: 'in', values };
    case 'NotIn':
      return { key: e.key, op: 'notin', values };
    case 'Exists':
      return { key: e.key, op: 'exists', values: [] };
    case 'DoesNotExist':
      return { key: e.key, op: 'notexists', values: [] };
    case 'Gt':
      return { key: e.key, op: 'gt', values };
    case 'Lt':
      return { key: e.key, op: 'lt', values };
    default:
      return { key: String(e?.key ?? ''), op: 'in', values: [] };
  }
}

function toleration(tols: J[], taint: J): boolean {
  return tols.some((t) => {
    if (!isObj(t)) return false;
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    if (t.operator === 'Exists') return true;
    return (t.value ?? '') === (taint.value ?? '');
  });
}

function untoleratedTaint(podSpec: J, node: J, ignoreKeys: string[]): J | undefined {
  const taints: J[] = Array.isArray(node.spec?.taints) ? node.spec.taints : [];
  const tols: J[] = Array.isArray(podSpec?.tolerations) ? podSpec.tolerations : [];
  return taints.find(
    (t) =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
      !ignoreKeys.includes(t.key) &&
      !toleration(tols, t),
  );
}

function tolerates(podSpec: J, node: J, ignoreKeys: string[]): boolean {
  return !untoleratedTaint(podSpec, node, ignoreKeys);
}

function podRequests(spec: J): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of spec?.containers ?? []) {
    const req = { ...(c?.resources?.limits ?? {}), ...(c?.resources?.requests ?? {}) };
    for (const [k, v] of Object.entries(req)) {
      const q = parseQuantity(v);
      if (q !== undefined) out[k] = (out[k] ?? 0) + q;
    }
  }
  return out;
}

function qosClass(spec: J): string {
  const cs: J[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && parseQuantity(req[r]) !== parseQuantity(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function fqImage(image: string): string {
  let img = image;
  const first = img.split('/')[0] as string;
  const hasRegistry =
    img.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) img = img.includes('/') ? `docker.io/${img}` : `docker.io/library/${img}`;
  const last = img.split('/').pop() as string;
  if (!img.includes('@') && !last.includes(':')) img += ':latest';
  return img;
}

function pullMessage(image: string): string {
  const fq = fqImage(image);
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${fq}": failed to resolve reference "${fq}": ${fq}: not found`;
}

function intOrPercent(v: J, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const p = Number(v.slice(0, -1));
    const x = (p * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function surge(d: J, replicas: number): number {
  if (d.spec?.strategy?.type !== 'RollingUpdate') return 0;
  return intOrPercent(d.spec.strategy.rollingUpdate?.maxSurge ?? '25%', replicas, true);
}

function maxUnavailable(d: J, replicas: number): number {
  if (d.spec?.strategy?.type !== 'RollingUpdate') return 0;
  const s = surge(d, replicas);
  let u = intOrPercent(d.spec.strategy.rollingUpdate?.maxUnavailable ?? '25%', replicas, false);
  if (u === 0 && s === 0) u = 1;
  return Math.min(u, replicas);
}

// Exposed for unit tests of the helpers.
export const __internals = {
  parseLabelSelector,
  matchLabelReqs,
  mergePatch,
  strategicMergePatch,
  applyJsonPatch,
  canonicalQuantity,
  podTemplateOf,
};

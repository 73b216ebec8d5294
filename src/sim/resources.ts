/** The resource table: what discovery reports and the generic store serves. */

export interface ResDef {
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
export const RESOURCES: ResDef[] = [
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

export const GROUP_VERSIONS: string[] = [];
for (const r of RESOURCES) {
  const gv = r.group ? `${r.group}/${r.version}` : r.version;
  if (!GROUP_VERSIONS.includes(gv)) GROUP_VERSIONS.push(gv);
}

export function gvOf(def: ResDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function findDef(group: string, version: string, plural: string): ResDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function defByKind(apiVersion: string, kind: string): ResDef | undefined {
  return RESOURCES.find((r) => gvOf(r) === apiVersion && r.kind === kind);
}

function mustDef(apiVersion: string, kind: string): ResDef {
  const d = defByKind(apiVersion, kind);
  if (!d) throw new Error(`fake-kube: unknown apiVersion/kind ${apiVersion} ${kind}`);
  return d;
}

export const D = {
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
export const FIELD_LABELS: Record<string, string[]> = {
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

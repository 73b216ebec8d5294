/** Pod helpers for the scheduler, the kubelet simulation and the workload controllers. */
import { parseQuantity } from './quantities';
import { LabelReq } from './selectors';
import type { V1PodCondition, V1Taint } from '@kubernetes/client-node';
import type { StoredObject } from './store';
import { J, isObj } from './util';

export function isTerminal(p: StoredObject): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

export function podReady(p: StoredObject): boolean {
  return !!p.status?.conditions?.some((c: V1PodCondition) => c.type === 'Ready' && c.status === 'True');
}

export function nodeSelReq(e: J): LabelReq {
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

/** Whether one of the tolerations (as posted: any JSON) tolerates the taint. */
function toleration(tols: unknown[], taint: V1Taint): boolean {
  return tols.some((t) => {
    if (!isObj(t)) return false;
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    if (t.operator === 'Exists') return true;
    return (t.value ?? '') === (taint.value ?? '');
  });
}

export function untoleratedTaint(podSpec: J, node: StoredObject, ignoreKeys: string[]): V1Taint | undefined {
  const taints: V1Taint[] = Array.isArray(node.spec?.taints) ? node.spec.taints : [];
  const tols: unknown[] = Array.isArray(podSpec?.tolerations) ? podSpec.tolerations : [];
  return taints.find(
    (t) =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
      !ignoreKeys.includes(t.key) &&
      !toleration(tols, t),
  );
}

export function tolerates(podSpec: J, node: StoredObject, ignoreKeys: string[]): boolean {
  return !untoleratedTaint(podSpec, node, ignoreKeys);
}

export function podRequests(spec: J): Record<string, number> {
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

export function qosClass(spec: J): string {
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

export function fqImage(image: string): string {
  let img = image;
  const first = img.split('/')[0] as string;
  const hasRegistry =
    img.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) img = img.includes('/') ? `docker.io/${img}` : `docker.io/library/${img}`;
  const last = img.split('/').pop() as string;
  if (!img.includes('@') && !last.includes(':')) img += ':latest';
  return img;
}

export function pullMessage(image: string): string {
  const fq = fqImage(image);
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${fq}": failed to resolve reference "${fq}": ${fq}: not found`;
}

function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const p = Number(v.slice(0, -1));
    const x = (p * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function surge(d: StoredObject, replicas: number): number {
  if (d.spec?.strategy?.type !== 'RollingUpdate') return 0;
  return intOrPercent(d.spec.strategy.rollingUpdate?.maxSurge ?? '25%', replicas, true);
}

export function maxUnavailable(d: StoredObject, replicas: number): number {
  if (d.spec?.strategy?.type !== 'RollingUpdate') return 0;
  const s = surge(d, replicas);
  let u = intOrPercent(d.spec.strategy.rollingUpdate?.maxUnavailable ?? '25%', replicas, false);
  if (u === 0 && s === 0) u = 1;
  return Math.min(u, replicas);
}

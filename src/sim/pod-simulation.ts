/** The pod simulation: a scheduler that binds pods to nodes and a kubelet that runs (or crashes) them. */
import { createHash } from 'node:crypto';
import {
  fqImage,
  isTerminal,
  nodeSelReq,
  podRequests,
  pullMessage,
  qosClass,
  untoleratedTaint,
} from './pods';
import { parseQuantity } from './quantities';
import { D, ResDef } from './resources';
import { LabelReq, matchLabelReqs } from './selectors';
import { ObjectStore } from './store';
import type { FakeClusterOptions } from './types';
import { J, clone, deepEqual, isObj, nowTs } from './util';

/** The status of a container whose image cannot be pulled (`prev` is its status before). */
const pullFailure = (c: J, prev: J | undefined): J => ({
  name: c.name,
  image: fqImage(c.image),
  imageID: '',
  ready: false,
  restartCount: prev?.restartCount ?? 0,
  started: false,
  state: { waiting: { reason: 'ErrImagePull', message: pullMessage(c.image) } },
  lastState: {},
});

export abstract class PodSimulation extends ObjectStore {
  /** Mode that drives pod simulation (last non-'unreachable' mode). */
  protected simMode: 'healthy' | 'crash';
  protected readonly failingImages: Set<string>;
  protected readonly enforceResources: boolean;
  protected rr = 0; // round-robin scheduler cursor
  protected ipCounter = 1;

  constructor(opts: FakeClusterOptions) {
    super();
    this.simMode = opts.mode === 'crash' ? 'crash' : 'healthy';
    this.failingImages = new Set(opts.failingImages ?? []);
    this.enforceResources = opts.enforceResources ?? true;
  }

  protected setStatus(def: ResDef, obj: J, status: J): void {
    if (deepEqual(obj.status, status)) return;
    obj.status = status;
    this.write(def, obj);
  }

  protected nodeMatchesPod(node: J, podSpec: J): boolean {
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

  protected scheduler(): void {
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

  protected insufficientResources(node: J, pod: J): string[] {
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

  protected imageFails(image: string): boolean {
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
  protected kubelet(): void {
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
          initStatuses.push(pullFailure(c, prev));
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
          statuses.push(pullFailure(c, prev));
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
}

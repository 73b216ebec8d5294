/** The workload controllers and their status, run synchronously after every write until nothing changes. */
import { randomUUID } from 'node:crypto';
import { defaultPodSpec } from './defaults';
import { isTerminal, maxUnavailable, podReady, qosClass, surge, tolerates } from './pods';
import { D, RESOURCES, ResDef, gvOf } from './resources';
import { labelSelectorToReqs, matchLabelReqs } from './selectors';
import { PodSimulation } from './pod-simulation';
import type { StoredObject } from './store';
import { J, clone, isObj, nowTs, omitZero, randSuffix, safeHash } from './util';

export abstract class ClusterControllers extends PodSimulation {
  protected reconciling = false;

  // ---- controllers --------------------------------------------------------

  /** Run all controllers synchronously until the state is stable. */
  protected reconcile(): void {
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

  protected ownedBy(def: ResDef, owner: J): J[] {
    const uid = owner.metadata.uid;
    return this.listLive(def, owner.metadata.namespace).filter(
      (o) =>
        Array.isArray(o.metadata.ownerReferences) &&
        o.metadata.ownerReferences.some((r: J) => r?.uid === uid && r.controller),
    );
  }

  protected ownerRef(def: ResDef, owner: J): J {
    return {
      apiVersion: gvOf(def),
      kind: def.kind,
      name: owner.metadata.name,
      uid: owner.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  protected newPod(
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

  protected uniquePodName(ns: string | undefined, prefix: string): string {
    for (;;) {
      const n = `${prefix}-${randSuffix()}`;
      if (!this.getLive(D.pod, ns, n)) return n;
    }
  }

  protected hpaController(): void {
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

  /** The live objects of a kind that have a pod template, with the template and its 10-character hash. */
  protected *templated(def: ResDef): Generator<{ object: StoredObject; tmpl: J; hash: string }> {
    for (const object of this.listLive(def)) {
      const tmpl = object.spec?.template;
      if (isObj(tmpl)) yield { object, tmpl, hash: this.templateHash(tmpl) };
    }
  }

  /**
   * Each template's hash, kept while the stored object holds that template: the controllers ask for
   * it several times per reconcile pass and after every status write, and hashing the canonical JSON of
   * a template was the top of the fake fleet's profile. Verbs never edit a stored template in place: a
   * create, update or patch stores a new object, with a template of its own.
   */
  private readonly templateHashes = new WeakMap<object, string>();

  private templateHash(tmpl: J): string {
    let hash = this.templateHashes.get(tmpl);
    if (hash === undefined) {
      hash = safeHash(tmpl).slice(0, 10);
      this.templateHashes.set(tmpl, hash);
    }
    return hash;
  }

  protected deploymentController(): void {
    for (const { object: d, tmpl, hash } of this.templated(D.deploy)) {
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

  protected replicaSetController(): void {
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

  /** Whether a DaemonSet's pod runs on the node: it matches, and tolerates the node-condition taints. */
  protected runsDaemonPod(node: J, spec: J): boolean {
    return (
      this.nodeMatchesPod(node, spec) &&
      tolerates(spec, node, [
        'node.kubernetes.io/not-ready',
        'node.kubernetes.io/unreachable',
        'node.kubernetes.io/unschedulable',
      ])
    );
  }

  protected daemonSetController(): void {
    const nodes = this.listLive(D.node);
    for (const { object: ds, tmpl, hash } of this.templated(D.ds)) {
      const pods = this.ownedBy(D.pod, ds);
      const wanted = new Set(
        nodes.filter((n) => this.runsDaemonPod(n, tmpl.spec)).map((n) => n.metadata.name),
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

  protected statefulSetController(): void {
    for (const { object: sts, hash } of this.templated(D.sts)) {
      const rev = `${sts.metadata.name}-${hash}`;
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

  protected jobController(): void {
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
  protected podGc(): void {
    for (const p of this.listLive(D.pod)) {
      if (p.spec?.nodeName && !this.getLive(D.node, undefined, p.spec.nodeName)) this.deleteLive(D.pod, p);
    }
  }

  protected replicaSetStatus(): void {
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

  protected deploymentStatus(): void {
    for (const { object: d, hash } of this.templated(D.deploy)) {
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

  protected daemonSetStatus(): void {
    const nodes = this.listLive(D.node);
    for (const { object: ds, tmpl, hash } of this.templated(D.ds)) {
      const desired = nodes.filter((n) => this.runsDaemonPod(n, tmpl.spec)).length;
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

  protected statefulSetStatus(): void {
    for (const { object: sts, hash } of this.templated(D.sts)) {
      const rev = `${sts.metadata.name}-${hash}`;
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

  protected jobStatus(): void {
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

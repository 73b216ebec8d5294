/** The API verbs (list, create, replace, patch, delete, scale, log) and the seeding of namespaces and nodes. */
import { createHash, randomUUID } from 'node:crypto';
import { ClusterControllers } from './controllers';
import type { StoredObject } from './store';
import { defaultPodSpec, stripNullMaps, typeCheck, validatePodSpec } from './defaults';
import {
  ApiError,
  Cause,
  E,
  F,
  fmtVal,
  invalidError,
  parseBody,
  qualifiedResource,
  resDetails,
  statusBody,
} from './errors';
import { PatchError, applyJsonPatch, mergePatch, strategicMergePatch } from './patches';
import { qosClass } from './pods';
import { QTY_MSG, canonicalQuantity } from './quantities';
import { D, ResDef, gvOf } from './resources';
import {
  labelSelectorToReqs,
  matchFieldReqs,
  matchLabelReqs,
  parseFieldSelector,
  parseLabelSelector,
  selectorToString,
} from './selectors';
import type { FakeClusterOptions, FakeNodeSpec } from './types';
import { J, clone, deepEqual, isObj, nowTs, randSuffix, jsonText } from './util';
import { nameErrors, qualifiedNameErrors, validateLabels } from './validation';

/** Numbers the default names of clusters started without one. */
let clusterCounter = 0;

/** What the API server answers for a patch it cannot apply (422), or the error itself if it is another. */
function patchFailure(e: unknown): unknown {
  if (!(e instanceof PatchError)) return e;
  return new ApiError(
    422,
    statusBody(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message: e.message }],
    }),
  );
}

export abstract class ApiVerbs extends ClusterControllers {
  readonly name: string;
  protected svcIpCounter = 1;
  protected nodePortCounter = 0;
  protected nodeCounter = 0;

  constructor(opts: FakeClusterOptions) {
    super(opts);
    clusterCounter++;
    this.name = opts.name ?? `fake-cluster-${clusterCounter}`;
  }

  // ---- seeding ------------------------------------------------------------

  protected createNamespaceInternal(name: string): void {
    this.internalCreate(D.ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /** Create bypassing HTTP but through the normal create pipeline. */
  protected internalCreate(def: ResDef, body: J): J {
    return this.doCreate(def, def.namespaced ? body.metadata?.namespace : undefined, body, false);
  }

  protected addNodeInternal(spec: FakeNodeSpec): void {
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

  protected applyNodeReady(n: J, ready: boolean): void {
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

  // ---- verbs --------------------------------------------------------------

  /** `copy` false: the items share the stored objects' fields, for an answer serialized at once. */
  protected doList(def: ResDef, ns: string | undefined, q: URLSearchParams, copy = true): J {
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
        if (!copy) return { ...o, apiVersion: undefined, kind: undefined };
        const c: Partial<StoredObject> = clone(o);
        delete c.apiVersion;
        delete c.kind;
        return c;
      }),
    };
  }

  protected normalizeBody(def: ResDef, body: J): J {
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

  protected doCreate(def: ResDef, ns: string | undefined, body: J, dryRun: boolean, isNodeSeed = false): J {
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

  protected seedNamespace(ns: string): void {
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
  protected defaultAndValidate(def: ResDef, obj: J, old: J | undefined): void {
    const md = obj.metadata;
    const causes: Cause[] = [];
    /** An update that changes the spec beyond what the kind allows (`a` and `b` are old and new, pruned). */
    const forbidSpecChange = (a: J, b: J, message: string) => {
      if (!deepEqual(a, b)) causes.push(F.forbidden('spec', message));
    };
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
          forbidSpecChange(
            a,
            b,
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
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
          forbidSpecChange(
            a,
            b,
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
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

  protected doReplace(
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
  protected commitUpdate(def: ResDef, old: J, incoming: J, dryRun: boolean, statusOnly: boolean): J {
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

  protected doPatch(
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
        return [201, jsonText(created)];
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
      throw patchFailure(e);
    }
    if (!isObj(result)) throw E.badRequest('the patched object is not a JSON object');
    // a resourceVersion left in the patched object acts as a precondition (stale -> 409)
    const patched = this.normalizeBody(def, result);
    const updated = this.commitUpdate(def, old, patched, dryRun, statusOnly);
    return [200, jsonText(updated)];
  }

  protected doDelete(
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
      for (const [field, label] of [
        ['uid', 'UID'],
        ['resourceVersion', 'ResourceVersion'],
      ] as const) {
        if (pre[field] && pre[field] !== o.metadata[field])
          throw new ApiError(
            409,
            statusBody(
              409,
              'Conflict',
              `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": Precondition failed: ${label} in precondition: ${pre[field]}, ${label} in object meta: ${o.metadata[field]}`,
              resDetails(def, name),
            ),
          );
      }
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

  protected doDeleteCollection(def: ResDef, ns: string | undefined, q: URLSearchParams, dryRun: boolean): J {
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

  protected handleScale(
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
    if (method === 'PUT') scale = parseBody(raw);
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
        throw patchFailure(e);
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
  protected podLog(ns: string | undefined, name: string, q: URLSearchParams): [number, J] {
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
}

/** Defaulting and validation of the built-in kinds. */
import { Cause, E, F } from './errors';
import { QTY_MSG, canonicalQuantity, parseQuantity } from './quantities';
import { ResDef } from './resources';
import { J, isObj } from './util';
import { dnsLabelErrors, validateLabels } from './validation';

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

export function defaultPodSpec(
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

export function validatePodSpec(spec: J, f: string, out: Cause[], isJob: boolean): void {
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

export function typeCheck(obj: J, def: ResDef): void {
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

export function stripNullMaps(obj: J): void {
  const md = obj.metadata;
  if (!isObj(md)) return;
  for (const f of ['labels', 'annotations']) {
    if (md[f] === null) delete md[f];
    else if (isObj(md[f])) for (const [k, v] of Object.entries(md[f])) if (v === null) delete md[f][k];
  }
}

export function podTemplateOf(obj: J): J {
  return obj.spec?.template;
}

// ---------------------------------------------------------------------------

/** Patches: RFC 7386 merge patch, simplified strategic merge patch, RFC 6902 JSON patch. */
import { E } from './errors';
import { J, clone, deepEqual, isObj } from './util';

// Patches: RFC 7386 merge patch, simplified strategic merge patch, RFC 6902
// ---------------------------------------------------------------------------

export function mergePatch(target: J, patch: J): J {
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
export function strategicMergePatch(target: J, patch: J): J {
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

export class PatchError extends Error {}

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

export function applyJsonPatch(docIn: J, ops: J): J {
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

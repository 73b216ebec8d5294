/** Label and field selectors. */
import { E } from './errors';
import { FIELD_LABELS, ResDef } from './resources';
import type { StoredObject } from './store';
import { isObj } from './util';
import { labelValueErrors, qualifiedNameErrors } from './validation';

// Label and field selectors
// ---------------------------------------------------------------------------

export interface LabelReq {
  key: string;
  op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists' | 'gt' | 'lt';
  values: string[];
}

export function parseLabelSelector(input: string): LabelReq[] {
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

export function matchLabelReqs(reqs: LabelReq[], labels: Record<string, string> | undefined): boolean {
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

/** metav1.LabelSelector (matchLabels + matchExpressions) -> requirements; `sel` is as posted, any JSON. */
export function labelSelectorToReqs(sel: unknown): LabelReq[] {
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

export function selectorToString(sel: unknown): string {
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

export interface FieldReq {
  field: string;
  neg: boolean;
  value: string;
}

export function parseFieldSelector(s: string, def: ResDef): FieldReq[] {
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

function fieldValue(obj: StoredObject, field: string): string {
  if (field === 'source') return String(obj.source?.component ?? '');
  let cur: unknown = obj;
  for (const p of field.split('.')) cur = isObj(cur) ? cur[p] : undefined;
  if (cur === undefined || cur === null) {
    if (field === 'spec.unschedulable' || field === 'spec.hostNetwork') return 'false';
    return '';
  }
  return String(cur);
}

export function matchFieldReqs(reqs: FieldReq[], obj: StoredObject): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.neg ? v === r.value : v !== r.value) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------

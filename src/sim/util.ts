/** Small utilities shared by the simulator: copies, comparison, timestamps, hashes. */
import { createHash } from 'node:crypto';

// Small utilities
// ---------------------------------------------------------------------------

/** A Kubernetes object or fragment as decoded from JSON; narrowed where it is read. */
export type J = any;

export const REQUEST_LOG_CAP = 20000;
export const MAX_BODY = 3 * 1024 * 1024;
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * An answer's body already serialized: what the API server answers is the object as it was at that
 * moment, so it is written out at once (before the controllers run) instead of copied, then serialized.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

export const jsonText = (v: J): JsonText => new JsonText(JSON.stringify(v));

export function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: J, b: J): boolean {
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

export function nowTs(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function randSuffix(n = 5): string {
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
export function safeHash(v: J): string {
  const h = createHash('sha256').update(stableStringify(v)).digest();
  const dec = String(h.readUInt32BE(0));
  let out = '';
  for (const ch of dec) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

export function omitZero(o: Record<string, J>): Record<string, J> {
  for (const k of Object.keys(o)) if (o[k] === 0 || o[k] === undefined) delete o[k];
  return o;
}

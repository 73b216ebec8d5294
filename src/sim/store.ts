/** The object store: objects by group/plural and namespace/name, resourceVersions, garbage collection. */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { D, RESOURCES, ResDef } from './resources';

/**
 * An object as the store keeps it: always with apiVersion, kind and the metadata the API server sets.
 * The rest of the object (spec, status, data, ...) is the kind's own and is read as JSON.
 */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  /** client-node types timestamps as Date; on the wire and here they are RFC 3339 strings. */
  metadata: Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp'> & {
    name: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  [field: string]: any;
}

export abstract class ObjectStore {
  /** group/plural -> "namespace/name" -> object (stored with apiVersion and kind). */
  protected readonly store = new Map<string, Map<string, StoredObject>>();
  protected rv = 1;
  /** Set by every write; the reconcile loop runs until a pass changes nothing. */
  protected changed = false;
  protected needGc = false;

  constructor() {
    for (const r of RESOURCES) this.store.set(this.skey(r), new Map());
  }

  // ---- store primitives ---------------------------------------------------

  protected skey(def: ResDef): string {
    return `${def.group}/${def.plural}`;
  }

  protected okey(ns: string | undefined, name: string): string {
    return `${ns ?? ''}/${name}`;
  }

  protected bucket(def: ResDef): Map<string, StoredObject> {
    return this.store.get(this.skey(def)) as Map<string, StoredObject>;
  }

  protected getLive(def: ResDef, ns: string | undefined, name: string): StoredObject | undefined {
    return this.bucket(def).get(this.okey(def.namespaced ? ns : undefined, name));
  }

  protected listLive(def: ResDef, ns?: string): StoredObject[] {
    const out: StoredObject[] = [];
    for (const o of this.bucket(def).values())
      if (ns === undefined || o.metadata.namespace === ns) out.push(o);
    out.sort((a, b) => {
      const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
      const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return out;
  }

  protected nextRv(): string {
    this.rv++;
    return String(this.rv);
  }

  /** Store (insert or overwrite) and bump resourceVersion. */
  protected write(def: ResDef, obj: StoredObject): void {
    obj.metadata.resourceVersion = this.nextRv();
    this.bucket(def).set(
      this.okey(def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name),
      obj,
    );
    this.changed = true;
  }

  protected deleteLive(def: ResDef, obj: StoredObject): void {
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

  protected orphanDependents(uid: string): void {
    for (const r of RESOURCES) {
      for (const o of this.bucket(r).values()) {
        const refs = o.metadata.ownerReferences;
        if (!Array.isArray(refs) || !refs.some((x: V1OwnerReference) => x?.uid === uid)) continue;
        o.metadata.ownerReferences = refs.filter((x: V1OwnerReference) => x?.uid !== uid);
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        this.write(r, o);
      }
    }
  }

  /** Background garbage collection by ownerReferences. */
  protected collectGarbage(): void {
    for (let guard = 0; guard < 20; guard++) {
      const alive = new Set<string>();
      for (const b of this.store.values()) for (const o of b.values()) alive.add(o.metadata.uid);
      let deleted = false;
      for (const r of RESOURCES) {
        const b = this.bucket(r);
        for (const [k, o] of b) {
          const refs = o.metadata.ownerReferences;
          if (!Array.isArray(refs) || refs.length === 0) continue;
          if (refs.some((x: V1OwnerReference) => alive.has(x?.uid))) continue;
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
}

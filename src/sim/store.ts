/** The object store: objects by group/plural and namespace/name, resourceVersions, garbage collection. */
import { D, RESOURCES, ResDef } from './resources';
import { J } from './util';

export abstract class ObjectStore {
  /** group/plural -> "namespace/name" -> object (stored with apiVersion and kind). */
  protected readonly store = new Map<string, Map<string, J>>();
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

  protected bucket(def: ResDef): Map<string, J> {
    return this.store.get(this.skey(def)) as Map<string, J>;
  }

  protected getLive(def: ResDef, ns: string | undefined, name: string): J | undefined {
    return this.bucket(def).get(this.okey(def.namespaced ? ns : undefined, name));
  }

  protected listLive(def: ResDef, ns?: string): J[] {
    const out: J[] = [];
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
  protected write(def: ResDef, obj: J): void {
    obj.metadata.resourceVersion = this.nextRv();
    this.bucket(def).set(
      this.okey(def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name),
      obj,
    );
    this.changed = true;
  }

  protected deleteLive(def: ResDef, obj: J): void {
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
        if (!Array.isArray(refs) || !refs.some((x: J) => x?.uid === uid)) continue;
        o.metadata.ownerReferences = refs.filter((x: J) => x?.uid !== uid);
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
          if (refs.some((x: J) => alive.has(x?.uid))) continue;
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

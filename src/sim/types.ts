/** The simulator's public types: what a test or the quick start configures and controls. */
import type { KubernetesObject } from '@kubernetes/client-node';

export type ClusterMode = 'healthy' | 'crash' | 'unreachable';

export interface FakeNodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  gpu?: number;
  internalIP?: string;
  osImage?: string;
  operatingSystem?: string;
  kernelVersion?: string;
  ready?: boolean;
  labels?: Record<string, string>;
}

export interface FakeClusterOptions {
  name?: string;
  nodes?: FakeNodeSpec[] | number;
  mode?: ClusterMode;
  token?: string;
  /** Pods whose container image is in this list end in ErrImagePull. */
  failingImages?: string[];
  /** Enforce cpu/memory/ephemeral-storage/nvidia.com/gpu requests against node allocatable when scheduling (default true). */
  enforceResources?: boolean;
  /** Milliseconds each request waits before it is answered: the round trip to an edge cluster over a WAN (default 0). */
  latencyMs?: number;
}

export interface RequestLogEntry {
  method: string;
  /** Request URI as received: path plus query string. */
  path: string;
  status: number;
}

export interface FakeCluster {
  readonly name: string;
  /** TCP connections accepted so far (refused ones while unreachable are not counted). */
  readonly connectionsAccepted: number;
  /** Connections open now (idle ones included). */
  readonly openConnections: number;
  readonly url: string;
  /** Kubeconfig YAML: current-context set, bearer-token user, server http://127.0.0.1:PORT */
  readonly kubeconfig: string;
  /** The bearer token requests must carry; may be changed at any time (revoking the old one: 401). */
  token: string;
  mode: ClusterMode;
  setMode(mode: ClusterMode): Promise<void>;
  /** Milliseconds each request waits before it is answered (FakeClusterOptions.latencyMs); may be changed at any time. */
  latencyMs: number;
  setNodeReady(node: string, ready: boolean): void;
  addNode(spec: FakeNodeSpec): void;
  removeNode(name: string): void;
  // get, list and apply answer `any`: callers (tests) read arbitrary fields of the stored objects
  // without narrowing, as they would read a JSON document.
  /** Raw stored object (deep copy, with apiVersion and kind) or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): any | undefined;
  /** Raw stored objects (deep copies, with apiVersion and kind), sorted by namespace/name. */
  list(apiVersion: string, kind: string, namespace?: string): any[];
  /** Create or replace an object directly (no HTTP, no auth, no log entry); controllers run. Returns the stored copy. */
  apply(obj: KubernetesObject): any;
  /** Delete an object directly (garbage collection runs). Returns true if it existed. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  requestLog: RequestLogEntry[];
  stop(): Promise<void>;
}

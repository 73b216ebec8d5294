/**
 * The simulated Kubernetes API server: speaks the Kubernetes REST API (JSON over plain HTTP) on
 * 127.0.0.1 so that code using @kubernetes/client-node and a kubeconfig cannot tell it from a real
 * cluster. The tests, the benchmarks and the quick start's simulated edge fleet use it; the
 * production server path never imports it. See README.md next to this file.
 */
import { podTemplateOf } from './defaults';
import { applyJsonPatch, mergePatch, strategicMergePatch } from './patches';
import { canonicalQuantity } from './quantities';
import { matchLabelReqs, parseLabelSelector } from './selectors';

export { startFakeCluster } from './cluster';
export type { FakeCluster, FakeNodeSpec } from './types';

// Exposed for unit tests of the helpers.
export const __internals = {
  parseLabelSelector,
  matchLabelReqs,
  mergePatch,
  strategicMergePatch,
  applyJsonPatch,
  canonicalQuantity,
  podTemplateOf,
};

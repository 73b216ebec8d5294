import { DomainError, ErrorKind } from '../common/errors';
import { KubeError, KubeErrorKind } from '../kube/kube-error';

const KIND: Record<KubeErrorKind, ErrorKind> = {
  unreachable: ErrorKind.Unavailable,
  server_error: ErrorKind.Unavailable,
  denied: ErrorKind.Unavailable,
  not_found: ErrorKind.NotFound,
  conflict: ErrorKind.Conflict,
  invalid: ErrorKind.Invalid,
};

/** How a cluster's failure reads to an API caller: which cluster, and what it said. */
export function clusterFailure(clusterName: string, error: unknown): unknown {
  if (!(error instanceof KubeError)) return error;
  return new DomainError(KIND[error.kind], `cluster ${clusterName}: ${error.message}`);
}

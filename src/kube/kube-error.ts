import { ApiException } from '@kubernetes/client-node';

/** What kind of Kubernetes failure a KubeError is. */
export type KubeErrorKind =
  /** No answer: connection refused or reset, DNS failure, TLS failure, timeout. Worth retrying. */
  | 'unreachable'
  /** The cluster refused our credentials (401/403). */
  | 'denied'
  | 'not_found'
  | 'conflict'
  /** The cluster rejected an object as invalid (400/422), or a kubeconfig failed our checks. */
  | 'invalid'
  /** The API server failed (5xx, 429), or what answered is not a Kubernetes API server. Worth retrying. */
  | 'server_error';

/**
 * A Kubernetes failure in our own words. The message never holds the remote body, a local error text
 * (paths, stderr) or a stack: kubeconfigs are untrusted, so both the cluster and the local failure
 * may be an attacker's. Only `rejection` keeps something of the cluster's: the `message` of a
 * Kubernetes Status object that rejected an object we applied (400/409/422), for deployment records.
 */
export class KubeError extends Error {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly status?: number,
    readonly rejection?: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }

  get transient(): boolean {
    return this.kind === 'unreachable' || this.kind === 'server_error';
  }

  /** The message with the cluster's reason for rejecting an object, for the records of a deployment. */
  get withRejection(): string {
    return this.rejection ? `${this.message}: ${this.rejection}` : this.message;
  }
}

const REJECTION_MAX_LENGTH = 300;
const NOT_KUBERNETES = 'the server is not a Kubernetes API server';

/** A Kubernetes `Status` object's message (the structured reason), and nothing from any other body. */
function statusObjectMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const status = parsed as { kind?: unknown; message?: unknown } | undefined;
  if (status?.kind !== 'Status' || typeof status.message !== 'string') return undefined;
  return status.message.slice(0, REJECTION_MAX_LENGTH);
}

function fromHttpStatus(status: number, body: unknown): KubeError {
  const rejection = statusObjectMessage(body);
  if (status === 401 || status === 403)
    return new KubeError('denied', `the cluster refused the credentials (HTTP ${status})`, status);
  if (status >= 500) return new KubeError('server_error', `cluster error (HTTP ${status})`, status);
  if (status === 429)
    return new KubeError('server_error', 'the cluster is throttling requests (HTTP 429)', status);
  if (status === 404) {
    // Kubernetes answers a missing object with a Status object; a bare 404 is a missing API or another server.
    const message =
      rejection === undefined ? `${NOT_KUBERNETES} or lacks this API (HTTP 404)` : 'not found in the cluster';
    return new KubeError('not_found', message, status);
  }
  if (status === 409)
    return new KubeError('conflict', 'the cluster reports a conflict (HTTP 409)', status, rejection);
  if (status === 400 || status === 422)
    return new KubeError('invalid', `the cluster rejected the object (HTTP ${status})`, status, rejection);
  return new KubeError('server_error', `unexpected answer from the cluster (HTTP ${status})`, status);
}

/** Node and undici error codes, in words; whatever else a local error says stays out. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not found',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'no route to host',
  EADDRNOTAVAIL: 'no route to host',
};
const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not trusted',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the server name',
};
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The error codes along an error's cause chain (undici wraps the socket's error in `fetch failed`). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, name, cause } = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof name === 'string') codes.push(name);
    current = cause;
  }
  return codes;
}

function fromLocalFailure(error: unknown): KubeError {
  const codes = codesOf(error);
  const unreachable = (reason: string) => new KubeError('unreachable', reason);
  if (codes.some((code) => code === 'TimeoutError' || code === 'AbortError' || TIMEOUT_CODES.has(code)))
    return unreachable('the cluster did not answer in time');
  if (codes.includes('UND_ERR_RES_EXCEEDED_MAX_SIZE'))
    return new KubeError('server_error', 'the answer from the cluster is too large');
  const tls = codes.find((code) => TLS_REASONS[code] || /^ERR_(TLS|SSL|OSSL)_|^EPROTO$|CERT/.test(code));
  if (tls) return unreachable(`TLS failure (${TLS_REASONS[tls] ?? 'handshake failed'})`);
  const network = codes.find((code) => NETWORK_REASONS[code]);
  if (network) return unreachable(`cluster unreachable (${NETWORK_REASONS[network]})`);
  // A body that client-node could not read as Kubernetes JSON (HTML, plain text, broken JSON).
  if (
    codes.includes('SyntaxError') ||
    (error instanceof Error && /mediaType|ObjectSerializer/.test(error.message))
  )
    return new KubeError('server_error', NOT_KUBERNETES);
  return unreachable('cluster unreachable');
}

export function toKubeError(error: unknown): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof ApiException) return fromHttpStatus(error.code, error.body);
  return fromLocalFailure(error);
}

/** What was read where a Kubernetes answer was expected but is not one, e.g. a list without `items`. */
export const notKubernetes = () => new KubeError('server_error', NOT_KUBERNETES);

/** Runs a Kubernetes call and turns whatever it throws into a KubeError. */
export async function kube<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toKubeError(error);
  }
}

export const isNotFound = (error: unknown) => error instanceof KubeError && error.kind === 'not_found';
export const isConflict = (error: unknown) => error instanceof KubeError && error.kind === 'conflict';

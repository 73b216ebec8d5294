import { ApiException } from '@kubernetes/client-node';

export enum KubeErrorKind {
  /** No answer: connection refused or reset, DNS failure, timeout. Worth retrying. */
  Unreachable = 'unreachable',
  /** The cluster refused our credentials (401/403). */
  Denied = 'denied',
  NotFound = 'not_found',
  Conflict = 'conflict',
  /** The cluster rejected an object as invalid (400/422). */
  Invalid = 'invalid',
  /** The API server failed (5xx, 429). Worth retrying. */
  ServerError = 'server_error',
}

/** A Kubernetes failure in our own terms, with the cluster's own message kept for operators. */
export class KubeError extends Error {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeError';
  }

  get transient(): boolean {
    return this.kind === KubeErrorKind.Unreachable || this.kind === KubeErrorKind.ServerError;
  }
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.slice(0, 300) || undefined;
    }
  }
  return (body as { message?: string } | undefined)?.message;
}

function kindOfStatus(status: number): KubeErrorKind {
  if (status === 401 || status === 403) return KubeErrorKind.Denied;
  if (status === 404) return KubeErrorKind.NotFound;
  if (status === 409) return KubeErrorKind.Conflict;
  if (status === 400 || status === 422) return KubeErrorKind.Invalid;
  return KubeErrorKind.ServerError;
}

export function toKubeError(error: unknown): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof ApiException) {
    const status = error.code;
    return new KubeError(kindOfStatus(status), statusMessage(error.body) ?? `HTTP ${status}`, status);
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new KubeError(
    KubeErrorKind.Unreachable,
    timedOut ? 'request timed out' : `cluster unreachable (${detail})`,
  );
}

/** Runs a Kubernetes call and turns whatever it throws into a KubeError. */
export async function kube<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toKubeError(error);
  }
}

export const isNotFound = (error: unknown) =>
  error instanceof KubeError && error.kind === KubeErrorKind.NotFound;
export const isConflict = (error: unknown) =>
  error instanceof KubeError && error.kind === KubeErrorKind.Conflict;

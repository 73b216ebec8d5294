import { ApiException } from '@kubernetes/client-node';
import { toKubeError } from './kube-error';

const BODY = 'remote-body-5e1d /etc/shadow';
const status = (code: number, message = BODY) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message,
  code,
});
const http = (code: number, body: unknown) => toKubeError(new ApiException(code, `Body: ${BODY}`, body, {}));
const local = (code: string, message = `connect ${code} ${BODY}`) =>
  toKubeError(
    Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) }),
  );

describe('toKubeError', () => {
  it.each([
    [401, BODY, 'denied', 'the cluster refused the credentials (HTTP 401)'],
    [403, status(403), 'denied', 'the cluster refused the credentials (HTTP 403)'],
    [404, status(404), 'not_found', 'not found in the cluster'],
    [404, BODY, 'not_found', 'the server is not a Kubernetes API server or lacks this API (HTTP 404)'],
    [409, status(409), 'conflict', 'the cluster reports a conflict (HTTP 409)'],
    [422, JSON.stringify(status(422)), 'invalid', 'the cluster rejected the object (HTTP 422)'],
    [429, BODY, 'server_error', 'the cluster is throttling requests (HTTP 429)'],
    [500, status(500), 'server_error', 'cluster error (HTTP 500)'],
    [503, BODY, 'server_error', 'cluster error (HTTP 503)'],
    [418, BODY, 'server_error', 'unexpected answer from the cluster (HTTP 418)'],
  ])('HTTP %i: %s is %s in our words', (code, body, kind, message) => {
    const error = http(code, body);
    expect([error.kind, error.message]).toEqual([kind, message]);
    expect(error.message).not.toContain('remote-body');
  });

  it('keeps a Status message, truncated, only as the rejection of an applied object (400/409/422)', () => {
    expect(http(422, status(422, 'x'.repeat(1000))).rejection).toBe('x'.repeat(300));
    expect(http(409, JSON.stringify(status(409, 'exists'))).withRejection).toBe(
      'the cluster reports a conflict (HTTP 409): exists',
    );
    expect(http(400, BODY).rejection).toBeUndefined();
    expect(http(422, { message: BODY }).rejection).toBeUndefined();
    for (const code of [401, 403, 404, 500]) expect(http(code, status(code)).rejection).toBeUndefined();
  });

  it.each([
    ['ECONNREFUSED', 'cluster unreachable (connection refused)'],
    ['ECONNRESET', 'cluster unreachable (connection reset)'],
    ['ENOTFOUND', 'cluster unreachable (host name not found)'],
    ['EHOSTUNREACH', 'cluster unreachable (no route to host)'],
    ['UND_ERR_CONNECT_TIMEOUT', 'the cluster did not answer in time'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS failure (certificate not trusted)'],
    ['CERT_HAS_EXPIRED', 'TLS failure (certificate expired)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS failure (certificate does not match the server name)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'TLS failure (handshake failed)'],
    ['ERR_OSSL_UNSUPPORTED', 'TLS failure (handshake failed)'],
    ['ENOENT', 'cluster unreachable'],
  ])('%s: %s, transient, without the local text', (code, message) => {
    const error = local(code);
    expect([error.kind, error.message]).toEqual(['unreachable', message]);
    expect(error.transient).toBe(true);
  });

  it('a timeout, and a body that is not Kubernetes JSON', () => {
    expect(
      toKubeError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')).message,
    ).toBe('the cluster did not answer in time');
    const notJson = toKubeError(new SyntaxError(`Unexpected token '<', "<html>${BODY}" is not valid JSON`));
    expect([notJson.kind, notJson.message]).toEqual([
      'server_error',
      'the server is not a Kubernetes API server',
    ]);
    expect(toKubeError(new Error(`${BODY} stderr of a plugin`)).message).toBe('cluster unreachable');
  });
});

import type { IncomingHttpHeaders } from 'node:http';

/** SPEC §1: `Authorization: <token>`, `Authorization: Bearer <token>` or `X-Auth-Token: <token>`. */
export function extractToken(request: { headers: IncomingHttpHeaders }): string | null {
  const authorization = request.headers.authorization?.trim();
  if (authorization) return authorization.replace(/^Bearer\s+/i, '') || null;
  const header = request.headers['x-auth-token'];
  const token = Array.isArray(header) ? header[0] : header;
  return token?.trim() || null;
}

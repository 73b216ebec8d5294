import type { FastifyRequest } from 'fastify';

/**
 * The address a request came from, as the socket (or a trusted proxy) reports it; an IPv4 client on a
 * dual-stack socket shows as `::ffff:a.b.c.d`, which is written as the plain IPv4 address.
 */
export function clientAddress(request: Pick<FastifyRequest, 'ip'>): string {
  const address = request.ip;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientAddress } from '../client-address';
import type { Principal } from './principal';

/** The caller and the address the request came from: who did something, as the audit trail records it. */
export interface Actor extends Principal {
  sourceIp: string;
}

/** The authenticated caller with the request's address, for services whose changes are audited. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
  return { ...request.user, sourceIp: clientAddress(request) };
});

/** The request's address, for audited routes without a caller (a failed login). */
export const SourceIp = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  clientAddress(context.switchToHttp().getRequest<FastifyRequest>()),
);

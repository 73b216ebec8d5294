import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AddressList } from '../common/address-list';
import { Principal, Role } from '../common/auth/principal';
import { forbidden, unauthorized } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * `/metrics`: a system administrator's token, or no token at all from an address in METRICS_ALLOW
 * (a scraper on the host or in the cluster network). The socket's address counts, not a forwarded one.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly allowed: AddressList;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = new AddressList(config.metricsAllow);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (request.user) {
      if (request.user.role === Role.SystemAdmin) return true;
      throw forbidden('not allowed for your role');
    }
    // Not `request.ip`: with TRUST_PROXY that is whatever X-Forwarded-For claims.
    if (this.allowed.includes(request.socket.remoteAddress ?? '')) return true;
    throw unauthorized('invalid or missing token');
  }
}

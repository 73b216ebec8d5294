import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC, TOKEN_OPTIONAL } from '../common/auth/decorators';
import type { Principal } from '../common/auth/principal';
import { extractToken } from '../common/auth/token-extractor';
import { unauthorized } from '../common/errors';
import { RouteMetadata } from '../common/route-metadata';
import { AuthService } from './auth.service';

/**
 * Every route needs a valid token unless marked @Public() (or @TokenOptional() and called without one);
 * the caller becomes `request.user`.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly isPublic: RouteMetadata<boolean>;
  private readonly tokenOptional: RouteMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly auth: AuthService,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC);
    this.tokenOptional = new RouteMetadata(reflector, TOKEN_OPTIONAL);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic.of(context)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const token = extractToken(request);
    if (!token && this.tokenOptional.of(context)) return true;
    if (!token) throw unauthorized('invalid or missing token');
    request.user = await this.auth.authenticate(token);
    return true;
  }
}

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { IS_PUBLIC, TOKEN_OPTIONAL } from '../common/auth/decorators';
import type { Principal } from '../common/auth/principal';
import { extractToken } from '../common/auth/token-extractor';
import { unauthorized } from '../common/errors';
import { AuthService } from './auth.service';

/**
 * Every route needs a valid token unless marked @Public() (or @TokenOptional() and called without one);
 * the caller becomes `request.user`.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: Principal }>();
    const token = extractToken(request);
    if (!token && this.reflector.getAllAndOverride<boolean>(TOKEN_OPTIONAL, targets)) return true;
    if (!token) throw unauthorized('invalid or missing token');
    request.user = await this.auth.authenticate(token);
    return true;
  }
}

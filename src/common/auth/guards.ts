import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { forbidden, unauthorized } from '../errors';
import { IS_PUBLIC, ROLES, TOKEN_OPTIONAL } from './decorators';
import type { Principal, Role } from './principal';
import { extractToken } from './token-extractor';

export const JWT_STRATEGY = 'jwt';

/** Every route needs a valid token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const tokenOptional = this.reflector.getAllAndOverride<boolean>(TOKEN_OPTIONAL, targets);
    if (tokenOptional && !extractToken(context.switchToHttp().getRequest())) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error) throw error;
    if (!user) {
      const reason =
        info instanceof Error && info.name === 'TokenExpiredError'
          ? 'token expired'
          : 'invalid or missing token';
      throw unauthorized(reason);
    }
    return user;
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES, [context.getHandler(), context.getClass()]);
    if (!roles) return true;
    const principal: Principal | undefined = context.switchToHttp().getRequest().user;
    if (principal && roles.includes(principal.role)) return true;
    throw forbidden('not allowed for your role');
  }
}

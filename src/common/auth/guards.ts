import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { forbidden } from '../errors';
import { ROLES } from './decorators';
import type { Principal, Role } from './principal';

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

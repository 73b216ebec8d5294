import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { forbidden } from '../errors';
import { RouteMetadata } from '../route-metadata';
import { ROLES } from './decorators';
import type { Principal, Role } from './principal';

@Injectable()
export class RolesGuard implements CanActivate {
  private readonly roles: RouteMetadata<Role[]>;

  constructor(reflector: Reflector) {
    this.roles = new RouteMetadata(reflector, ROLES);
  }

  canActivate(context: ExecutionContext): boolean {
    const roles = this.roles.of(context);
    if (!roles) return true;
    const principal: Principal | undefined = context.switchToHttp().getRequest().user;
    if (principal && roles.includes(principal.role)) return true;
    throw forbidden('not allowed for your role');
  }
}

import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ApiErrors, PUBLIC_EXTENSION } from '../openapi';
import type { Principal, Role } from './principal';

export const IS_PUBLIC = 'isPublic';
export const ROLES = 'roles';

/** A route anyone may call without a token; its OpenAPI operation says so (`security: []`). */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
/** A route only the given roles may call; others get 403. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ROLES, roles), ApiErrors(HttpStatus.FORBIDDEN));

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest().user,
);

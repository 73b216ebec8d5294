import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ApiErrors, PUBLIC_EXTENSION, TOKEN_OPTIONAL_EXTENSION } from '../openapi';
import type { Principal, Role } from './principal';

export const IS_PUBLIC = 'isPublic';
export const ROLES = 'roles';
export const TOKEN_OPTIONAL = 'tokenOptional';

/** A route anyone may call without a token; its OpenAPI operation says so (`security: []`). */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
/**
 * A route that also runs without a token (its own guard decides who may); a token that is presented
 * must still be valid, and then sets the caller as usual. Its OpenAPI operation lists no token as an
 * alternative (`{}` among its security requirements).
 */
export const TokenOptional = () =>
  applyDecorators(SetMetadata(TOKEN_OPTIONAL, true), ApiExtension(TOKEN_OPTIONAL_EXTENSION, true));
/** A route only the given roles may call; others get 403. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ROLES, roles), ApiErrors(HttpStatus.FORBIDDEN));

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest().user,
);

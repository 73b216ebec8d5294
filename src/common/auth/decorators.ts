import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from './principal';

export const IS_PUBLIC = 'isPublic';
export const ROLES = 'roles';
export const TOKEN_OPTIONAL = 'tokenOptional';

/** A route anyone may call without a token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/**
 * A route that also runs without a token (its own guard decides who may); a token that is presented
 * must still be valid, and then sets the caller as usual.
 */
export const TokenOptional = () => SetMetadata(TOKEN_OPTIONAL, true);
/** A route only the given roles may call; others get 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest().user,
);

import type { ExecutionContext, Type } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * One metadata key of a route (`getAllAndOverride`: the handler's, else its controller's), read once
 * per handler and controller: decorators set it when the classes are defined, so it never changes
 * afterwards, and the guards and the interceptor ask for it on every request. Keyed by the controller
 * too, since a handler inherited by two controllers may get different metadata from each.
 */
export class RouteMetadata<T> {
  private readonly byController = new WeakMap<Type, Map<object, { value: T | undefined }>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  of(context: ExecutionContext): T | undefined {
    const handler = context.getHandler();
    const controller = context.getClass();
    let handlers = this.byController.get(controller);
    let known = handlers?.get(handler);
    if (!known) {
      known = { value: this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, controller]) };
      if (!handlers) this.byController.set(controller, (handlers = new Map()));
      handlers.set(handler, known);
    }
    return known.value;
  }
}

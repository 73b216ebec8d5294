import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC, ROLES } from '../../src/common/auth/decorators';
import type { Role } from '../../src/common/auth/principal';

export interface DiscoveredRoute {
  /** `GET /v1/deploy/id/:id`: the method and the full path as Nest registers it. */
  key: string;
  method: string;
  path: string;
  /** The roles `@Roles` allows (handler over controller); undefined: every authenticated user. */
  roles?: Role[];
  isPublic: boolean;
}

const asList = (value: string | string[] | undefined) => (Array.isArray(value) ? value : [value ?? '']);
const joinPath = (...parts: string[]) =>
  '/' +
  parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');

/** Every route of every controller the running application has, read from Nest's own metadata. */
export function discoverRoutes(app: INestApplication): DiscoveredRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const routes: DiscoveredRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!controller) continue;
    const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[name];
      const requestMethod: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
      if (requestMethod === undefined) continue;
      const method = RequestMethod[requestMethod];
      const roles = reflector.getAllAndOverride<Role[] | undefined>(ROLES, [handler, controller]);
      const isPublic =
        reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler, controller]) ?? false;
      for (const prefix of prefixes) {
        for (const suffix of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
          const path = joinPath(prefix, suffix);
          routes.push({ key: `${method} ${path}`, method, path, roles, isPublic });
        }
      }
    }
  }
  return routes;
}

import createClient from 'openapi-fetch';
import type { components, paths } from './api/schema';

/**
 * The console's only way to the server: our own API through a client typed by the OpenAPI document
 * the build exports from the server's decorators (web/src/api/schema.d.ts, generated, never edited).
 * Errors carry the server's own message (the API's `{code, message}` body), which the pages show as is.
 */
const TOKEN_KEY = 'ote-console-token';

export type Schemas = components['schemas'];
export type Me = Schemas['AuthorizationInfo'];
export type UserRow = Schemas['UserView'];
export type BusinessRow = Schemas['BusinessView'];
export type DeployRequestRow = Schemas['DeployRequestView'];
export type DeploymentRow = Schemas['DeploymentDetail'];
export type NodeRow = Required<Schemas['NodeView']>;

/** Roles as GET /v1/authorization reports them (SPEC §2), by name. */
export const Role = {
  Pending: 0,
  Approved: 1,
  GeneralUser: 2,
  BusinessAdmin: 3,
  SystemAdmin: 4,
} as const satisfies Record<string, Schemas['Role']>;
export const ROLE_NAME = Object.fromEntries(
  Object.entries(Role).map(([name, role]) => [role, name]),
) as Record<Schemas['Role'], string>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use({
  onRequest({ request }) {
    if (session.token) request.headers.set('Authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) session.token = null;
    return response;
  },
});

/**
 * The body of a successful answer, or an ApiError with the server's message: pages write
 * `await ok(api.GET('/v1/app', ...))` and get the documented 2xx type.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined && data !== null) return data;
  const message = (error as { message?: unknown } | undefined)?.message;
  throw new ApiError(response.status, typeof message === 'string' ? message : `HTTP ${response.status}`);
}

/**
 * The rows of a list asked for without `field=`: every field is there. The document gives such lists
 * one row type whose fields are all optional, since `field=` may keep only some.
 */
export const withEveryField = <T>(rows: Partial<T>[]) => rows as T[];

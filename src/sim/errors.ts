/** Kubernetes-style errors (metav1.Status bodies) and field causes. */
import { ResDef } from './resources';
import { J } from './util';

export class ApiError extends Error {
  constructor(
    public readonly code: number,
    public readonly body: J,
  ) {
    super(String(body.message));
  }
}

export function statusBody(code: number, reason: string, message: string, details?: J): J {
  const s: J = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason };
  if (details !== undefined) s.details = details;
  s.code = code;
  return s;
}

export function qualifiedResource(def: ResDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

function qualifiedKind(def: ResDef): string {
  return def.group ? `${def.kind}.${def.group}` : def.kind;
}

export function resDetails(def: ResDef, name: string): J {
  const d: J = { name };
  if (def.group) d.group = def.group;
  d.kind = def.plural;
  return d;
}

export const E = {
  notFound: (def: ResDef, name: string) =>
    new ApiError(
      404,
      statusBody(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, resDetails(def, name)),
    ),
  alreadyExists: (def: ResDef, name: string) =>
    new ApiError(
      409,
      statusBody(
        409,
        'AlreadyExists',
        `${qualifiedResource(def)} "${name}" already exists`,
        resDetails(def, name),
      ),
    ),
  conflict: (def: ResDef, name: string) =>
    new ApiError(
      409,
      statusBody(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        resDetails(def, name),
      ),
    ),
  badRequest: (message: string) => new ApiError(400, statusBody(400, 'BadRequest', message)),
  forbidden: (def: ResDef, name: string, why: string) =>
    new ApiError(
      403,
      statusBody(
        403,
        'Forbidden',
        `${qualifiedResource(def)} "${name}" is forbidden: ${why}`,
        resDetails(def, name),
      ),
    ),
  methodNotAllowed: () =>
    new ApiError(
      405,
      statusBody(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      ),
    ),
  pathNotFound: () =>
    new ApiError(404, statusBody(404, 'NotFound', 'the server could not find the requested resource', {})),
  unsupportedMedia: (types: string[]) =>
    new ApiError(
      415,
      statusBody(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}`,
      ),
    ),
  unauthorized: () => new ApiError(401, statusBody(401, 'Unauthorized', 'Unauthorized')),
  tooLarge: () =>
    new ApiError(413, statusBody(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')),
};

export interface Cause {
  field: string;
  reason: string;
  message: string;
}

export function fmtVal(v: J): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export const F = {
  required: (field: string, detail = ''): Cause => ({
    field,
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
  }),
  invalid: (field: string, value: J, detail: string): Cause => ({
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${fmtVal(value)}: ${detail}`,
  }),
  notSupported: (field: string, value: J, supported: string[]): Cause => ({
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${fmtVal(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  duplicate: (field: string, value: J): Cause => ({
    field,
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${fmtVal(value)}`,
  }),
  notFoundField: (field: string, value: J): Cause => ({
    field,
    reason: 'FieldValueNotFound',
    message: `Not found: ${fmtVal(value)}`,
  }),
  forbidden: (field: string, detail: string): Cause => ({
    field,
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
  }),
};

export function invalidError(def: ResDef, name: string, causes: Cause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const msg = `${qualifiedKind(def)} "${name}" is invalid: ${parts.length === 1 ? parts[0] : '[' + parts.join(', ') + ']'}`;
  const details: J = { name };
  if (def.group) details.group = def.group;
  details.kind = def.kind;
  details.causes = causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }));
  return new ApiError(422, statusBody(422, 'Invalid', msg, details));
}

// ---------------------------------------------------------------------------

/** A request body as JSON, or the 400 the API server answers for one that is not. */
export function parseBody(raw: string): J {
  if (!raw.trim()) throw E.badRequest("Object 'Kind' is missing in ''");
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw E.badRequest(`the object provided is unrecognized: ${e instanceof Error ? e.message : String(e)}`);
  }
}

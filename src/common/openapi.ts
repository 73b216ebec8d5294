import { applyDecorators, HttpStatus, INestApplication, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiResponse, DocumentBuilder, getSchemaPath, OpenAPIObject, ReferenceObject } from '@nestjs/swagger';
import { SchemaObject, SwaggerModule } from '@nestjs/swagger';

/**
 * Shared OpenAPI plumbing: the document every caller (server, export script, tests) builds, the
 * envelope and error shapes, and decorators that describe a route's answers in one line:
 *
 *   @ApiTags('registry')                          // once per controller: its module
 *   @ApiOperation({ summary: 'List images' })
 *   @ApiEnvelope({ data: [ImageView], paged: true }) // or ApiBareOk(Model) beside @RawResponse()
 *   @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
 *
 * Security needs nothing: every operation needs a token and may answer 401 unless it is @Public(),
 * and @Roles() adds the 403. Response models are classes with @ApiProperty, typed by the service's
 * view so that the two cannot drift apart.
 */

/** The three token header forms of SPEC §1, each an alternative security requirement. */
export const TOKEN_SCHEMES = {
  token: 'token',
  bearer: 'bearer',
  xAuthToken: 'xAuthToken',
} as const;

/** HTTP Basic with a registry account, which Docker clients send to the registry's token service. */
export const REGISTRY_BASIC_SCHEME = 'registryBasic';

/** Marks an operation that needs no token; the document builder turns it into `security: []`. */
export const PUBLIC_EXTENSION = 'x-public';
/** Marks an operation that runs with or without a token; the document builder adds `{}` to its security. */
export const TOKEN_OPTIONAL_EXTENSION = 'x-token-optional';

class ErrorBody {
  @ApiProperty({ description: 'the HTTP status again', example: 404 }) code: number;
  @ApiProperty({ description: 'what went wrong, in our own words', example: 'deployment 7 not found' })
  message: string;
}

/** `{code: 200, message: "success"}`, which every envelope route answers with its own fields beside. */
class SuccessBody {
  @ApiProperty({ example: 200 }) code: number;
  @ApiProperty({ example: 'success' }) message: string;
}

/** A typical message per status, shown as the error example (the wording of our own errors). */
const ERROR_EXAMPLES: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.UNAUTHORIZED]: 'invalid or missing token',
  [HttpStatus.FORBIDDEN]: 'not allowed for your role',
  [HttpStatus.NOT_FOUND]: 'deployment 7 not found',
  [HttpStatus.CONFLICT]: 'already exists',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'the chart archive is over 1 MiB',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'version must be 2 to 4 dotted numbers',
  [HttpStatus.TOO_MANY_REQUESTS]: 'too many failed logins, try again later',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'database unreachable, redis ok',
};

const ERROR_DESCRIPTIONS: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.UNAUTHORIZED]: 'no valid token',
  [HttpStatus.FORBIDDEN]: 'the caller may not do this',
  [HttpStatus.NOT_FOUND]: 'no such resource, or not visible to the caller',
  [HttpStatus.CONFLICT]: 'conflicts with the current state',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'the body is over its limit',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'invalid parameters; every bad field is named',
  [HttpStatus.TOO_MANY_REQUESTS]: 'too many attempts',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'a dependency does not answer',
};

/** A property whose values are a named enum of the document, with what each value means. */
export const ApiEnumProperty = (enumName: string, values: object, description: string) =>
  ApiProperty({ enum: values, enumName, description });

/** The `{code, message}` error answers a route can give, with example bodies. */
export const ApiErrors = (...statuses: HttpStatus[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_DESCRIPTIONS[status] ?? HttpStatus[status],
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorBody) },
            example: { code: status, message: ERROR_EXAMPLES[status] ?? HttpStatus[status] },
          },
        },
      }),
    ),
  );

type Model = Type<unknown>;
/** A model class, a list of one (`[Model]`), or a plain schema. */
type Shape = Model | [Model] | SchemaObject;

const schemaOf = (shape: Shape): SchemaObject | ReferenceObject => {
  if (Array.isArray(shape)) return { type: 'array', items: { $ref: getSchemaPath(shape[0]) } };
  if (typeof shape === 'function') return { $ref: getSchemaPath(shape) };
  return shape;
};
const modelsOf = (shapes: Shape[]): Model[] =>
  shapes.flatMap((shape) =>
    Array.isArray(shape) ? [shape[0]] : typeof shape === 'function' ? [shape as Model] : [],
  );

export interface EnvelopeOptions {
  /** What goes under `data`. */
  data?: Shape;
  /** A paged list: `total` counts every match, not just this page. */
  paged?: boolean;
  /** Fields the route answers beside `data` (e.g. a login's `token`). */
  fields?: Record<string, Shape>;
  /** A whole example body, from the route's seed where it has one. */
  example?: object;
  description?: string;
}

/**
 * The 200 answer of a route in the envelope (src/common/envelope.ts): `{code, message}` plus `data`,
 * `total` and any other fields of the handler's result.
 */
export function ApiEnvelope(options: EnvelopeOptions = {}) {
  const properties: Record<string, SchemaObject | ReferenceObject> = {};
  if (options.data) properties.data = schemaOf(options.data);
  if (options.paged) properties.total = { type: 'integer', description: 'matches on every page' };
  for (const [name, shape] of Object.entries(options.fields ?? {})) properties[name] = schemaOf(shape);
  const shapes = [options.data, ...Object.values(options.fields ?? {})].filter(
    (shape) => shape !== undefined,
  );
  const own: SchemaObject = { type: 'object', properties, required: Object.keys(properties) };
  return applyDecorators(
    ApiExtraModels(SuccessBody, ...modelsOf(shapes)),
    ApiOkResponse({
      description: options.description ?? 'success',
      schema: Object.keys(properties).length
        ? { allOf: [{ $ref: getSchemaPath(SuccessBody) }, own] }
        : { $ref: getSchemaPath(SuccessBody) },
      ...(options.example ? { example: options.example } : {}),
    }),
  );
}

/** The 200 answer of a route whose body is a foreign API's shape, not our envelope (see RawResponse). */
export const ApiBareOk = (shape: Model | [Model], example?: unknown) =>
  applyDecorators(
    ApiExtraModels(...modelsOf([shape])),
    ApiOkResponse({
      description: 'success',
      schema: schemaOf(shape),
      ...(example !== undefined ? { example } : {}),
    }),
  );

/** An RFC 7807 problem document, as the Astra routes (seed 004) answer their errors. */
class ProblemBody {
  @ApiProperty({ example: 'https://astra.netapp.io/problems/1' }) type: string;
  @ApiProperty({ example: 'Resource not found' }) title: string;
  @ApiProperty({ example: "The resource specified in the request URI wasn't found." }) detail: string;
  @ApiProperty({ description: 'the HTTP status, as a string', example: '404' }) status: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'also in the log line of a server fault; always sent, optional in seed 004',
  })
  correlationID?: string;
  @ApiPropertyOptional({
    description: 'each refused query parameter and why',
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'reason'],
      properties: { name: { type: 'string' }, reason: { type: 'string' } },
    },
  })
  invalidParams?: { name: string; reason: string }[];
}

const PROBLEM_DESCRIPTIONS: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'invalid query parameters, each named in invalidParams',
  [HttpStatus.UNAUTHORIZED]: 'missing or invalid bearer token',
  [HttpStatus.FORBIDDEN]: 'the account is not the caller’s',
  [HttpStatus.NOT_FOUND]: 'no such package or collection',
};

/** Seed 004's example problem documents. */
const PROBLEM_EXAMPLES: Partial<Record<HttpStatus, [number, string, string]>> = {
  [HttpStatus.BAD_REQUEST]: [5, 'Invalid query parameters', 'The supplied query parameters are invalid.'],
  [HttpStatus.UNAUTHORIZED]: [3, 'Missing bearer token', 'The request is missing the required bearer token.'],
  [HttpStatus.FORBIDDEN]: [11, 'Operation not permitted', "The requested operation isn't permitted."],
  [HttpStatus.NOT_FOUND]: [
    2,
    'Collection not found',
    "The collection specified in the request URI wasn't found.",
  ],
};

/** The `application/problem+json` error answers of an Astra route (401 included: it replaces ours). */
export const ApiProblems = (...statuses: HttpStatus[]) =>
  applyDecorators(
    ApiExtraModels(ProblemBody),
    ...statuses.map((status) => {
      const example = PROBLEM_EXAMPLES[status];
      return ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? HttpStatus[status],
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemBody) },
            ...(example && {
              example: {
                type: `https://astra.netapp.io/problems/${example[0]}`,
                title: example[1],
                detail: example[2],
                status: String(status),
              },
            }),
          },
        },
      });
    }),
  );

/** The 200 answer of a route whose body is plain text (e.g. the Prometheus exposition format). */
export const ApiTextOk = (description: string) =>
  ApiOkResponse({ description, content: { 'text/plain': { schema: { type: 'string' } } } });

function documentConfig() {
  return new DocumentBuilder()
    .setTitle('OTE edge platform API')
    .setDescription(
      'Users, businesses, edge clusters, applications and deployments (OTE-stack v1). Every route ' +
        'needs a token from `POST /v1/authorization` unless it says otherwise; it may be sent as ' +
        '`Authorization: <token>`, `Authorization: Bearer <token>` or `X-Auth-Token: <token>`.',
    )
    .setVersion('1')
    .setLicense('Apache 2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'this server')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Authorization: <token>`' },
      TOKEN_SCHEMES.token,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <token>`' },
      TOKEN_SCHEMES.bearer,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: '`X-Auth-Token: <token>`' },
      TOKEN_SCHEMES.xAuthToken,
    )
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'a registry account (`POST /v1/repository/user`)' },
      REGISTRY_BASIC_SCHEME,
    )
    .addSecurityRequirements(TOKEN_SCHEMES.token)
    .addSecurityRequirements(TOKEN_SCHEMES.bearer)
    .addSecurityRequirements(TOKEN_SCHEMES.xAuthToken)
    .build();
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/**
 * Every operation needs a token (the document's security) and may answer 401, except those the
 * Public() decorator marked, which need none.
 */
function applyTokenRule(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of OPERATION_METHODS) {
      const operation = item[method] as (typeof item)['get'] & Record<string, unknown>;
      if (!operation) continue;
      if (operation[PUBLIC_EXTENSION]) {
        delete operation[PUBLIC_EXTENSION];
        // A route without our token may still take its own credentials (the registry's HTTP Basic).
        if (!operation.security?.length) {
          operation.security = [];
          continue;
        }
      }
      if (operation[TOKEN_OPTIONAL_EXTENSION]) {
        delete operation[TOKEN_OPTIONAL_EXTENSION];
        operation.security = [...Object.values(TOKEN_SCHEMES).map((scheme) => ({ [scheme]: [] })), {}];
      }
      operation.responses[HttpStatus.UNAUTHORIZED] ??= {
        description: ERROR_DESCRIPTIONS[HttpStatus.UNAUTHORIZED]!,
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorBody) },
            example: { code: HttpStatus.UNAUTHORIZED, message: ERROR_EXAMPLES[HttpStatus.UNAUTHORIZED] },
          },
        },
      };
    }
  }
}

/** The one OpenAPI document of the app: served at /docs-json and exported for the console's client. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, documentConfig(), {
    extraModels: [ErrorBody, SuccessBody],
  });
  applyTokenRule(document);
  return document;
}

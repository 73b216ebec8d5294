import { createHash } from 'node:crypto';

/**
 * The query language of the Astra collection routes (seed 004): `filter`, `orderBy`, `include`, `limit`
 * and `continue`. This file is the one parser and the one SQL translator for it. Field names resolve
 * through a table the route supplies (names → SQL expressions written by us), and every value from the
 * request becomes a bound parameter, so no request text ever reaches SQL.
 *
 * Grammar (operators and `and` in any letter case; a quote inside a literal is written twice):
 *   filter     := comparison ( "and" comparison )*
 *   comparison := field ( "eq" | "lt" | "gt" | "lte" | "gte" ) "'" literal "'"
 *   orderBy    := field [ "asc" | "desc" ]
 *   include    := field ( "," field )*
 */

type Operator = 'eq' | 'lt' | 'gt' | 'lte' | 'gte';
const OPERATORS: Record<Operator, string> = { eq: '=', lt: '<', gt: '>', lte: '<=', gte: '>=' };

export type Parsed<T> = { value: T } | { error: string };

/** How the values of one field compare, and how a literal becomes a bound parameter. */
export interface FieldKind {
  /** The literal as a parameter value, or why it is not a value of this kind. */
  parse(literal: string): Parsed<unknown>;
  /** The parameter's placeholder with what it needs to compare like the field (a cast, a collation). */
  placeholder(index: number): string;
  /** The field's expression as it must be compared and ordered. */
  expression(sql: string): string;
}

interface QueryField {
  /** An SQL expression over the row, from the route's own table (never from a request). */
  sql: string;
  kind: FieldKind;
}

export interface CollectionSchema {
  /** Fields that `filter` and `orderBy` may name. */
  queryable: Record<string, QueryField>;
  /** Fields that `include` may name, in the item's own order. */
  includable: readonly string[];
  /** Other names clients use for a field. */
  aliases: Record<string, string>;
  /** A queryable field with unique values: the order's tie-breaker and the cursor's position. */
  key: string;
  maxLimit: number;
}

interface Comparison {
  field: string;
  operator: Operator;
  value: unknown;
}

interface Order {
  field: string;
  direction: 'asc' | 'desc';
}

/** Where the previous page ended: the order field's value and the key of its last item. */
interface Position {
  value: unknown;
  key: unknown;
}

export interface CollectionQuery {
  filter: Comparison[];
  order: Order;
  include: string[] | null;
  limit: number;
  after: Position | null;
  /** Identifies filter and order, so that a cursor is only used with the query that made it. */
  fingerprint: string;
}

export interface InvalidParam {
  name: string;
  reason: string;
}

const COLLECTION_PARAMS = ['filter', 'orderBy', 'include', 'limit', 'continue'] as const;
const MAX_FILTER_LENGTH = 4096;
const MAX_COMPARISONS = 32;
const FIELD = /^[A-Za-z][A-Za-z0-9_.]*$/;
const TOKEN = /\s*(?:([A-Za-z][A-Za-z0-9_.]*)|'((?:[^']|'')*)'|(\S))/y;

/** Request text quoted back in a reason, cut short so that an answer never grows with the request. */
const quoted = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** Text PostgreSQL can hold and compare as the client meant it: no NUL, no lone UTF-16 surrogate. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isStorableText = (text: string) => !text.includes('\0') && !LONE_SURROGATE.test(text);

type Token = { word: string } | { literal: string };

function tokenize(text: string): Parsed<Token[]> {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const match = TOKEN.exec(text);
    if (!match) break; // only trailing white space is left
    if (match[1] !== undefined) tokens.push({ word: match[1] });
    else if (match[2] !== undefined) tokens.push({ literal: match[2].replace(/''/g, "'") });
    else if (match[3] === "'") return { error: 'a quoted value is not closed' };
    else return { error: `unexpected character ${quoted(match[3])}` };
  }
  return { value: tokens };
}

function resolveField(schema: CollectionSchema, name: string): string | null {
  const field = schema.aliases[name] ?? name;
  return field in schema.queryable ? field : null;
}

function parseFilter(schema: CollectionSchema, text: string): Parsed<Comparison[]> {
  if (text.length > MAX_FILTER_LENGTH) return { error: `longer than ${MAX_FILTER_LENGTH} characters` };
  const tokens = tokenize(text);
  if ('error' in tokens) return tokens;
  const list = tokens.value;
  if (list.length === 0) return { error: 'empty filter' };
  const comparisons: Comparison[] = [];
  let at = 0;
  for (;;) {
    const [name, operator, literal] = list.slice(at, at + 3);
    if (!name || !('word' in name)) return { error: 'expected a field name' };
    const field = resolveField(schema, name.word);
    if (!field) return { error: `unknown or unfilterable field ${quoted(name.word)}` };
    const op = operator && 'word' in operator ? operator.word.toLowerCase() : '';
    if (!(op in OPERATORS))
      return { error: `expected an operator (eq, lt, gt, lte, gte) after ${quoted(name.word)}` };
    if (!literal || !('literal' in literal)) return { error: `expected a quoted value after ${op}` };
    const value = parseLiteral(schema.queryable[field].kind, literal.literal);
    if ('error' in value) return { error: `${name.word}: ${value.error}` };
    comparisons.push({ field, operator: op as Operator, value: value.value });
    if (comparisons.length > MAX_COMPARISONS) return { error: `more than ${MAX_COMPARISONS} comparisons` };
    at += 3;
    if (at === list.length) break;
    const joiner = list[at];
    if (!('word' in joiner) || joiner.word.toLowerCase() !== 'and')
      return { error: 'comparisons must be joined by "and"' };
    at += 1;
    if (at === list.length) return { error: 'expected a comparison after "and"' };
  }
  return { value: comparisons };
}

function parseLiteral(kind: FieldKind, literal: string): Parsed<unknown> {
  if (!isStorableText(literal)) return { error: 'the value contains characters that cannot be compared' };
  return kind.parse(literal);
}

function parseOrder(schema: CollectionSchema, text: string): Parsed<Order> {
  const match = /^\s*([^\s]+)(?:\s+([A-Za-z]+))?\s*$/.exec(text);
  if (!match) return { error: 'expected a field name, then optionally asc or desc' };
  const field = FIELD.test(match[1]) ? resolveField(schema, match[1]) : null;
  if (!field) return { error: `unknown or unorderable field ${quoted(match[1])}` };
  const direction = (match[2] ?? 'asc').toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') return { error: 'the direction must be asc or desc' };
  return { value: { field, direction } };
}

function parseInclude(schema: CollectionSchema, text: string): Parsed<string[]> {
  const names = text.split(',').map((name) => name.trim());
  const resolved: string[] = [];
  for (const name of names) {
    const field = schema.aliases[name] ?? name;
    if (!schema.includable.includes(field)) return { error: `unknown field ${quoted(name)}` };
    resolved.push(field);
  }
  return { value: resolved };
}

function parseLimit(schema: CollectionSchema, text: string): Parsed<number> {
  const limit = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= schema.maxLimit))
    return { error: `must be a whole number from 1 to ${schema.maxLimit}` };
  return { value: limit };
}

/** A `continue` value: base64url of JSON, made by `cursorAfter` for the same filter and order. */
function parseCursor(
  schema: CollectionSchema,
  order: Order,
  fingerprint: string,
  text: string,
): Parsed<Position> {
  const invalid = { error: 'not a continue value of this filter and orderBy' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  const { q, v, k } = (decoded ?? {}) as Record<string, unknown>;
  if (q !== fingerprint || typeof v !== 'string' || typeof k !== 'string') return invalid;
  const value = parseLiteral(schema.queryable[order.field].kind, v);
  const key = parseLiteral(schema.queryable[schema.key].kind, k);
  if ('error' in value || 'error' in key) return invalid;
  return { value: { value: value.value, key: key.value } };
}

/** The `continue` value for the page after an item whose order field and key read `value` and `key`. */
export function cursorAfter(query: CollectionQuery, value: string, key: string): string {
  return Buffer.from(JSON.stringify({ q: query.fingerprint, v: value, k: key })).toString('base64url');
}

/**
 * Reads the query parameters of a collection route. Every bad parameter is named with its reason;
 * parameters the route does not know are bad too, so that a misspelt one is never silently ignored.
 */
export function parseCollectionQuery(
  schema: CollectionSchema,
  params: Record<string, unknown>,
): { value: CollectionQuery } | { invalidParams: InvalidParam[] } {
  const invalidParams: InvalidParam[] = [];
  const text = (name: string): string | undefined => {
    const value = params[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    invalidParams.push({ name, reason: 'must be given once, as text' });
    return undefined;
  };
  const read = <T>(name: string, parse: (value: string) => Parsed<T>): T | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = parse(value);
    if ('error' in parsed) {
      invalidParams.push({ name, reason: parsed.error });
      return undefined;
    }
    return parsed.value;
  };
  for (const name of Object.keys(params)) {
    if (!(COLLECTION_PARAMS as readonly string[]).includes(name))
      invalidParams.push({ name: name.slice(0, 64), reason: 'unknown query parameter' });
  }
  const filter = read('filter', (value) => parseFilter(schema, value)) ?? [];
  const order = read('orderBy', (value) => parseOrder(schema, value)) ?? {
    field: schema.key,
    direction: 'asc',
  };
  const include = read('include', (value) => parseInclude(schema, value)) ?? null;
  const limit = read('limit', (value) => parseLimit(schema, value)) ?? schema.maxLimit;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([filter, order]))
    .digest('base64url')
    .slice(0, 16);
  const after = read('continue', (value) => parseCursor(schema, order, fingerprint, value)) ?? null;
  if (invalidParams.length > 0) return { invalidParams };
  return { value: { filter, order, include, limit, after, fingerprint } };
}

export interface SqlPart {
  /** Conditions to AND with the route's own (such as its tenant scope). */
  where: string[];
  orderBy: string;
}

/**
 * Translates a parsed query into SQL over the schema's expressions, appending every value to `params`
 * (so placeholders continue after the route's own). The order is total: the key breaks ties, and the
 * page after a cursor starts strictly after its (value, key), which stays right while rows are added.
 */
export function toSql(schema: CollectionSchema, query: CollectionQuery, params: unknown[]): SqlPart {
  const bind = (kind: FieldKind, value: unknown) => {
    params.push(value);
    return kind.placeholder(params.length);
  };
  const where = query.filter.map(({ field, operator, value }) => {
    const { sql, kind } = schema.queryable[field];
    return `${kind.expression(sql)} ${OPERATORS[operator]} ${bind(kind, value)}`;
  });
  const order = schema.queryable[query.order.field];
  const key = schema.queryable[schema.key];
  const direction = query.order.direction === 'asc' ? 'ASC' : 'DESC';
  const orderExpression = order.kind.expression(order.sql);
  const keyExpression = key.kind.expression(key.sql);
  if (query.after) {
    const beyond = direction === 'ASC' ? '>' : '<';
    where.push(
      query.order.field === schema.key
        ? `${keyExpression} ${beyond} ${bind(key.kind, query.after.key)}`
        : `(${orderExpression}, ${keyExpression}) ${beyond} (${bind(order.kind, query.after.value)}, ${bind(key.kind, query.after.key)})`,
    );
  }
  const orderBy =
    query.order.field === schema.key
      ? `${keyExpression} ${direction}`
      : `${orderExpression} ${direction}, ${keyExpression} ${direction}`;
  return { where, orderBy };
}

/** Text compared by code point (the "C" collation), whatever the database's default collation is. */
export const TEXT: FieldKind = {
  parse: (literal) => ({ value: literal }),
  placeholder: (index) => `$${index}`,
  expression: (sql) => `(${sql}) COLLATE "C"`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const UUID_KIND: FieldKind = {
  parse: (literal) => (UUID.test(literal) ? { value: literal.toLowerCase() } : { error: 'not a UUID' }),
  placeholder: (index) => `$${index}::uuid`,
  expression: (sql) => sql,
};

/** Named values ordered as listed; the SQL expression yields each value's position in the list. */
export function enumKind(values: readonly string[]): FieldKind {
  return {
    parse: (literal) => {
      const rank = values.indexOf(literal);
      return rank >= 0 ? { value: rank } : { error: `must be one of ${values.join(', ')}` };
    },
    placeholder: (index) => `$${index}::int`,
    expression: (sql) => sql,
  };
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time in UTC with microseconds, the form every timestamp of these routes takes
 * (`2022-10-06T20:58:16.305662Z`), or why the text is not an RFC 3339 time.
 */
export function normalizeTimestamp(text: string): Parsed<string> {
  const match = TIMESTAMP.exec(text);
  const invalid = { error: 'must be an RFC 3339 time such as 2022-10-06T20:58:16.305662Z' };
  if (!match) return invalid;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  // setUTCFullYear, unlike Date.UTC, takes years 0-99 as they are.
  const utc = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  utc.setUTCFullYear(year, month - 1, day);
  if (
    year < 1 ||
    utc.getUTCFullYear() !== year ||
    utc.getUTCMonth() !== month - 1 ||
    utc.getUTCDate() !== day ||
    utc.getUTCHours() !== hour ||
    utc.getUTCMinutes() !== minute
  )
    return invalid;
  const zone = match[8];
  const offsetMinutes =
    zone === 'Z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  if (Math.abs(offsetMinutes) >= 24 * 60) return invalid;
  const shifted = new Date(utc.getTime() - offsetMinutes * 60_000);
  const shiftedYear = shifted.getUTCFullYear();
  if (shiftedYear < 1 || shiftedYear > 9999) return invalid;
  const micros = (match[7] ?? '').padEnd(6, '0');
  // toISOString gives six-digit years with a sign outside 0000-9999, which the check above excludes.
  return { value: `${shifted.toISOString().slice(0, 19)}.${micros}Z` };
}

export const TIMESTAMP_KIND: FieldKind = {
  parse: normalizeTimestamp,
  placeholder: (index) => `$${index}::timestamptz`,
  expression: (sql) => sql,
};

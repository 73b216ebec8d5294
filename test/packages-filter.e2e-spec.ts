import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { packageVersion } from '../src/app/package-version';
import { auth, loginAdmin } from './support/factories';
import { insertPackages, PackageSeed } from './support/packages';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Property tests of the one filter parser and SQL translator (seed 004) against PostgreSQL: random
 * filters and orders over random packages give exactly what a plain in-memory evaluator gives, and
 * random text in any query parameter is a 400 or a result inside the business, never a 500.
 * A fixed seed and bounded runs keep it deterministic and quick.
 */
const SEED = 20261201;

type Item = Record<string, unknown> & { id: string };
type Kind = 'text' | 'uuid' | 'semver' | 'timestamp' | readonly string[];

const FIELDS: Record<string, Kind> = {
  id: 'uuid',
  type: 'text',
  version: 'text',
  packageName: 'text',
  packageVersion: 'semver',
  packageType: ['install', 'patch'],
  severityLevel: ['recommended', 'critical'],
  packageState: ['verifying', 'available', 'incomplete', 'corrupt'],
  'metadata.creationTimestamp': 'timestamp',
  'metadata.modificationTimestamp': 'timestamp',
  'metadata.createdBy': 'text',
};
const OPERATORS = ['eq', 'lt', 'gt', 'lte', 'gte'] as const;
type Operator = (typeof OPERATORS)[number];

const NAMES = ['a', 'ab', 'b', 'b-1', 'zz', 'a0'];
const TIMES = [
  '2025-01-01T00:00:00.000000Z',
  '2025-01-01T00:00:00.000001Z',
  '2025-01-01T00:00:00.100000Z',
  '2025-06-30T23:59:59.999999Z',
];
const CREATORS = [1, 2, 10, 100];

// ---- the evaluator: deliberately plain, sharing nothing with the SQL translator ----

const field = (item: Item, name: string): unknown =>
  name.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown>)[part], item);

const codePoints = (text: string) => Array.from(text, (char) => char.codePointAt(0)!);
function compareArrays(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
const versionKey = (text: string) => {
  const parsed = packageVersion(text);
  if ('error' in parsed) throw new Error(`not a version: ${text}`);
  return parsed.value.key;
};

function compare(kind: Kind, a: string, b: string): number {
  if (Array.isArray(kind)) return kind.indexOf(a) - kind.indexOf(b);
  if (kind === 'semver') return compareArrays(versionKey(a), versionKey(b));
  if (kind === 'uuid')
    return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
  return compareArrays(codePoints(a), codePoints(b)); // text and canonical timestamps
}

const HOLDS: Record<Operator, (order: number) => boolean> = {
  eq: (order) => order === 0,
  lt: (order) => order < 0,
  gt: (order) => order > 0,
  lte: (order) => order <= 0,
  gte: (order) => order >= 0,
};

interface Comparison {
  field: string;
  operator: Operator;
  literal: string;
}

function evaluate(items: Item[], filter: Comparison[], orderBy: string, direction: 'asc' | 'desc'): string[] {
  const kept = items.filter((item) =>
    filter.every(({ field: name, operator, literal }) =>
      HOLDS[operator](compare(FIELDS[name], String(field(item, name)), literal)),
    ),
  );
  const sign = direction === 'asc' ? 1 : -1;
  kept.sort(
    (a, b) =>
      sign *
      (compare(FIELDS[orderBy], String(field(a, orderBy)), String(field(b, orderBy))) ||
        compare('uuid', a.id, b.id)),
  );
  return kept.map((item) => item.id);
}

// ---- generators ----

const versionPart = fc.oneof(fc.integer({ min: 0, max: 12 }).map(String), fc.constantFrom('01', '007', '10'));
const dottedVersion = fc.array(versionPart, { minLength: 2, maxLength: 4 }).map((parts) => parts.join('.'));

const packageSeed: fc.Arbitrary<PackageSeed> = fc.record({
  appName: fc.constantFrom(...NAMES),
  version: dottedVersion,
  status: fc.integer({ min: 0, max: 3 }),
  severityLevel: fc.integer({ min: 0, max: 1 }),
  createdBy: fc.constantFrom(...CREATORS),
  createTime: fc.constantFrom(...TIMES),
});
const packageSeeds = fc.uniqueArray(packageSeed, {
  maxLength: 24,
  selector: (seed) => `${seed.appName}@${seed.version}`,
});

const anyText = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((text) => !text.includes('\u0000'));
function literalFor(kind: Kind, seen: string[]): fc.Arbitrary<string> {
  const fromKind = Array.isArray(kind)
    ? fc.constantFrom(...kind)
    : kind === 'semver'
      ? fc.oneof(
          dottedVersion,
          dottedVersion.map((version) => versionKey(version).slice(0, 3).join('.')),
        )
      : kind === 'uuid'
        ? fc.uuid()
        : kind === 'timestamp'
          ? fc.constantFrom(...TIMES, '2024-12-31T23:59:59.999999Z', '2100-01-01T00:00:00.000000Z')
          : fc.oneof(
              fc.constantFrom(...NAMES, ...CREATORS.map(String), 'application/astra-package', '1.0'),
              anyText,
            );
  return seen.length > 0 ? fc.oneof(fc.constantFrom(...seen), fromKind) : fromKind;
}

const quote = (literal: string) => `'${literal.replace(/'/g, "''")}'`;
const filterText = (filter: Comparison[]) =>
  filter.map(({ field: name, operator, literal }) => `${name} ${operator} ${quote(literal)}`).join(' and ');

describe('package filter language (property tests against PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let database: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    database = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  async function newAccount(seeds: PackageSeed[]): Promise<number> {
    const [{ id }] = await database.query(
      `INSERT INTO businesses (name, introduce, objective, scale, user_id, status)
       VALUES ('prop-' || gen_random_uuid(), '', '', '', 1, 2) RETURNING id`,
    );
    await insertPackages(t, id, seeds);
    return id;
  }

  const path = (account: number) => `/accounts/${account}/core/v1/packages`;

  /** Every page, following `continue`, as the ids in the order served. */
  async function readAll(account: number, query: Record<string, string>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await t
        .api()
        .get(path(account))
        .query({ ...query, include: 'id', ...(cursor && { continue: cursor }) })
        .set(auth(admin));
      if (response.status !== 200) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
      ids.push(...response.body.items.map((item: string[]) => item[0]));
      cursor = response.body.metadata.continue;
    } while (cursor);
    return ids;
  }

  it('random filters and orders agree with the in-memory evaluator, across pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        packageSeeds.chain((seeds) => {
          const seen = (name: string) =>
            [
              ...new Set(
                seeds.map((seed) =>
                  name === 'packageName'
                    ? seed.appName
                    : name === 'metadata.createdBy'
                      ? String(seed.createdBy)
                      : name === 'packageVersion'
                        ? seed.version
                        : name === 'metadata.creationTimestamp'
                          ? seed.createTime!
                          : '',
                ),
              ),
            ].filter(Boolean);
          const comparison = fc
            .constantFrom(...Object.keys(FIELDS).filter((name) => name !== 'metadata.modificationTimestamp'))
            .chain((name) =>
              fc.record({
                field: fc.constant(name),
                operator: fc.constantFrom(...OPERATORS),
                literal: literalFor(FIELDS[name], seen(name)),
              }),
            );
          return fc.record({
            seeds: fc.constant(seeds),
            filter: fc.array(comparison, { maxLength: 3 }),
            orderBy: fc.constantFrom(...Object.keys(FIELDS)),
            direction: fc.constantFrom('asc' as const, 'desc' as const),
            limit: fc.integer({ min: 1, max: 30 }),
          });
        }),
        async ({ seeds, filter, orderBy, direction, limit }) => {
          const account = await newAccount(seeds);
          const { body } = await t
            .api()
            .get(path(account))
            .query({ limit: '1000' })
            .set(auth(admin))
            .expect(200);
          const query: Record<string, string> = { orderBy: `${orderBy} ${direction}`, limit: String(limit) };
          if (filter.length > 0) query.filter = filterText(filter);
          const served = await readAll(account, query);
          expect(served).toEqual(evaluate(body.items, filter, orderBy, direction));
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  });

  /** Bytes percent-encoded one by one, so that any text (and invalid UTF-8) reaches the server as sent. */
  const encode = (bytes: Uint8Array) =>
    Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  const grammarish = fc
    .array(
      fc.constantFrom(
        'packageName',
        'packageVersion',
        'metadata.createdBy',
        'id',
        ' ',
        'eq',
        'lt',
        'gte',
        "'",
        "''",
        'and',
        'or',
        'a',
        '1.2',
        '(',
        ')',
        ';',
        '--',
        '1=1',
        '\\',
        '%',
        '\u0000',
        '\uD800',
        'asc',
        'desc',
        ',',
        '.',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));
  const randomText = fc.oneof(grammarish, fc.string({ unit: 'binary', maxLength: 40 }));
  const randomBytes = fc.uint8Array({ maxLength: 24 });

  it('random text in any parameter is a 400 or a result inside the business, never a 500', async () => {
    const mine = await newAccount([
      { appName: 'a', version: '1.0' },
      { appName: 'b', version: '2.0', status: 3 },
    ]);
    await newAccount([{ appName: 'a', version: '1.0' }]); // a neighbour whose rows must never show
    const own = await readAll(mine, {});
    const narrowed = await readAll(mine, { filter: "packageName eq 'a'" });
    expect(narrowed).toHaveLength(1);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('filter', 'orderBy', 'include', 'limit', 'continue'),
        fc.oneof(
          randomText.map((text) => encode(Buffer.from(text, 'utf8'))),
          randomBytes.map(encode),
        ),
        fc.boolean(),
        async (name, encoded, afterValidFilter) => {
          // Text after a valid filter may only narrow it (another "and") or be refused.
          const prefix =
            afterValidFilter && name === 'filter' ? encodeURIComponent("packageName eq 'a'") : '';
          const include = name === 'include' ? '' : '&include=id';
          const response = await t
            .api()
            .get(`${path(mine)}?${name}=${prefix}${encoded}${include}`)
            .set(auth(admin));
          expect([200, 400]).toContain(response.status);
          if (response.status === 400) {
            expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(response.body.invalidParams.length).toBeGreaterThan(0);
            return;
          }
          expect(response.body.items.length).toBeLessThanOrEqual(own.length);
          if (name === 'include') return;
          const ids = response.body.items.map((item: unknown[]) => item[0]);
          expect(own).toEqual(expect.arrayContaining(ids));
          if (prefix) expect(narrowed).toEqual(expect.arrayContaining(ids));
        },
      ),
      { seed: SEED, numRuns: 250 },
    );
  });
});

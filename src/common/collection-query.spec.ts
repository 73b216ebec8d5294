import {
  CollectionSchema,
  cursorAfter,
  enumKind,
  normalizeTimestamp,
  parseCollectionQuery,
  TEXT,
  TIMESTAMP_KIND,
  toSql,
  UUID_KIND,
} from './collection-query';

const schema: CollectionSchema = {
  queryable: {
    id: { sql: 'r.id', kind: UUID_KIND },
    name: { sql: 'r.name', kind: TEXT },
    state: { sql: 'r.state', kind: enumKind(['new', 'done']) },
    'meta.created': { sql: 'r.created', kind: TIMESTAMP_KIND },
  },
  includable: ['id', 'name', 'state', 'meta', 'meta.created'],
  aliases: { title: 'name' },
  key: 'id',
  maxLimit: 100,
};

const parse = (params: Record<string, unknown>) => {
  const parsed = parseCollectionQuery(schema, params);
  if ('invalidParams' in parsed) throw new Error(JSON.stringify(parsed.invalidParams));
  return parsed.value;
};
const reasons = (params: Record<string, unknown>) => {
  const parsed = parseCollectionQuery(schema, params);
  return 'invalidParams' in parsed ? parsed.invalidParams : [];
};

describe('collection query', () => {
  it('binds every value and names columns only from the schema', () => {
    const query = parse({
      filter: "name eq 'O''Brien; DROP TABLE x' AND state GTE 'done'",
      orderBy: 'title desc',
    });
    const params: unknown[] = ['scope'];
    expect(toSql(schema, query, params)).toEqual({
      where: ['(r.name) COLLATE "C" = $2', 'r.state >= $3::int'],
      orderBy: '(r.name) COLLATE "C" DESC, r.id DESC',
    });
    expect(params).toEqual(['scope', "O'Brien; DROP TABLE x", 1]);
  });

  it('continues strictly after the last (value, key) in the direction of the order', () => {
    const first = parse({ orderBy: 'name', limit: '2' });
    const next = parse({
      orderBy: 'name',
      continue: cursorAfter(first, 'b', '8F84CF09-8036-41E4-B579-BD30CB07B269'),
    });
    const params: unknown[] = [];
    expect(toSql(schema, next, params).where).toEqual(['((r.name) COLLATE "C", r.id) > ($1, $2::uuid)']);
    expect(params).toEqual(['b', '8f84cf09-8036-41e4-b579-bd30cb07b269']);
    const byKey = parse({
      orderBy: 'id desc',
      continue: cursorAfter(
        parse({ orderBy: 'id desc' }),
        '8f84cf09-8036-41e4-b579-bd30cb07b269',
        '8f84cf09-8036-41e4-b579-bd30cb07b269',
      ),
    });
    expect(toSql(schema, byKey, []).where).toEqual(['r.id < $1::uuid']);
  });

  it('defaults: every field, by key, up to the largest page', () => {
    expect(parse({})).toMatchObject({
      filter: [],
      order: { field: 'id', direction: 'asc' },
      include: null,
      limit: 100,
      after: null,
    });
    expect(parse({ include: 'meta.created, title' }).include).toEqual(['meta.created', 'name']);
  });

  it.each([
    ['', 'empty filter'],
    ['name', 'expected an operator (eq, lt, gt, lte, gte) after "name"'],
    ["name eq 'a' and", 'expected a comparison after "and"'],
    ["name eq 'a' or name eq 'b'", 'comparisons must be joined by "and"'],
    ["name eq 'a", 'a quoted value is not closed'],
    ['name eq a', 'expected a quoted value after eq'],
    ["name ~ 'a'", 'unexpected character "~"'],
    ["secret eq 'a'", 'unknown or unfilterable field "secret"'],
    ["meta eq 'a'", 'unknown or unfilterable field "meta"'],
    ["state eq 'gone'", 'state: must be one of new, done'],
    ["id eq '1'", 'id: not a UUID'],
    ["name eq 'a\u0000'", 'name: the value contains characters that cannot be compared'],
    ["name eq '\uD800'", 'name: the value contains characters that cannot be compared'],
  ])('filter %j is refused: %s', (filter, reason) => {
    expect(reasons({ filter })).toEqual([{ name: 'filter', reason }]);
  });

  it('names every bad parameter, including unknown and repeated ones', () => {
    expect(
      reasons({
        orderBy: 'name sideways',
        include: 'id,,name',
        limit: '101',
        continue: 'x',
        filter: ['a', 'b'],
        page: '1',
      }),
    ).toEqual([
      { name: 'page', reason: 'unknown query parameter' },
      { name: 'filter', reason: 'must be given once, as text' },
      { name: 'orderBy', reason: 'the direction must be asc or desc' },
      { name: 'include', reason: 'unknown field ""' },
      { name: 'limit', reason: 'must be a whole number from 1 to 100' },
      { name: 'continue', reason: 'not a continue value of this filter and orderBy' },
    ]);
  });

  it('a cursor belongs to its filter and order', () => {
    const query = parse({ filter: "name gt 'a'", orderBy: 'name' });
    const cursor = cursorAfter(query, 'b', '8f84cf09-8036-41e4-b579-bd30cb07b269');
    expect(reasons({ filter: "name gt 'a'", orderBy: 'name', continue: cursor })).toEqual([]);
    expect(reasons({ filter: "name gt 'b'", orderBy: 'name', continue: cursor })).toHaveLength(1);
    expect(reasons({ filter: "name gt 'a'", orderBy: 'state', continue: cursor })).toHaveLength(1);
  });

  it.each([
    ['2022-10-06T20:58:16.305662Z', '2022-10-06T20:58:16.305662Z'],
    ['2022-10-06T20:58:16Z', '2022-10-06T20:58:16.000000Z'],
    ['2022-10-06T20:58:16.3+02:00', '2022-10-06T18:58:16.300000Z'],
    ['2022-12-31T23:30:00-01:00', '2023-01-01T00:30:00.000000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z'],
  ])('timestamp %s is %s', (text, normalized) => {
    expect(normalizeTimestamp(text)).toEqual({ value: normalized });
  });

  it.each([
    '2022-02-29T00:00:00Z',
    '2022-10-06T24:00:00Z',
    '2022-10-06T20:58:60Z',
    '2022-10-06 20:58:16Z',
    '2022-10-06T20:58:16.1234567Z',
    '9999-12-31T23:00:00-02:00',
    '0000-01-01T00:00:00Z',
  ])('timestamp %s is refused', (text) => {
    expect(normalizeTimestamp(text)).toHaveProperty('error');
  });
});

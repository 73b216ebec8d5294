import { DataSource } from 'typeorm';
import { appBody, createApp, deployBody, requestDeploy } from './support/deploys';
import { approvedBusiness, auth, loginAdmin, subUser, TestBusiness } from './support/factories';
import { insertPackages } from './support/packages';
import { startTestApp, TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const PROBLEM_JSON = /^application\/problem\+json/;

describe('packages (seed 004)', () => {
  let t: TestApp;
  let business: TestBusiness;
  let other: TestBusiness;
  let adminToken: string;
  const packagesOf = (accountId: number | string) => `/accounts/${accountId}/core/v1/packages`;
  const list = (
    token: string,
    query: Record<string, string> = {},
    accountId: number | string = business.id,
  ) => t.api().get(packagesOf(accountId)).query(query).set(auth(token));

  beforeAll(async () => {
    t = await startTestApp();
    business = await approvedBusiness(t);
    other = await approvedBusiness(t);
    adminToken = await loginAdmin(t);
    for (const version of ['1.2', '1.10', '2.0.1.7']) await createApp(t, business.admin.token, { version });
    await createApp(t, business.admin.token, {
      appName: 'critical',
      version: '3.0',
      severityLevel: 'critical',
    });
    await createApp(t, other.admin.token, { appName: 'theirs', version: '1.0' });
  });

  afterAll(async () => {
    await t?.close();
  });

  const namesAndVersions = (items: { packageName: string; packageVersion: string }[]) =>
    items.map((item) => `${item.packageName}@${item.packageVersion}`);

  it('shows every version as a package with the seed fields', async () => {
    const { body } = await list(business.admin.token, { filter: "packageVersion eq '1.2.0'" }).expect(200);
    expect(body).toEqual({
      type: 'application/astra-packages',
      version: '1.0',
      items: [
        {
          type: 'application/astra-package',
          version: '1.0',
          id: expect.stringMatching(UUID),
          packageName: 'nginx1',
          packageVersion: '1.2.0',
          packageType: 'install',
          severityLevel: 'recommended',
          packageState: 'available',
          packageStateTransitions: [
            { from: 'verifying', to: ['available', 'incomplete', 'corrupt'] },
            { from: 'available', to: ['verifying'] },
            { from: 'incomplete', to: ['verifying'] },
            { from: 'corrupt', to: [] },
          ],
          packageStateDetails: [
            {
              type: 'urn:ote-stack:package-state:available',
              title: 'Verified with a note',
              detail: 'image in an unmanaged registry (docker.io): no digest recorded',
            },
          ],
          images: [{ imageName: 'nginx', imagePath: '/', imageTag: '1.25', imageDigest: null }],
          dependencies: [],
          upgradableVersions: { minVersion: '1.10.0', maxVersion: '2.0.1+7' },
          metadata: {
            labels: [],
            creationTimestamp: expect.stringMatching(TIME),
            modificationTimestamp: expect.stringMatching(TIME),
            createdBy: String(business.admin.id),
          },
        },
      ],
      metadata: {},
    });
    const [item] = body.items;
    const one = await t
      .api()
      .get(`${packagesOf(business.id)}/${item.id}`)
      .set(auth(business.admin.token));
    expect(one.status).toBe(200);
    expect(one.body).toEqual(item);
  });

  it('a later version is a patch; the latest has nothing to upgrade to', async () => {
    const { body } = await list(business.admin.token, {
      filter: "packageName eq 'nginx1' and packageVersion gte '1.10'",
      orderBy: 'packageVersion',
    }).expect(200);
    expect(body.items.map((item: { packageType: string }) => item.packageType)).toEqual(['patch', 'patch']);
    expect(body.items[1].upgradableVersions).toEqual({});
  });

  it("include returns each item as an array of those fields in that order (the seed's example)", async () => {
    const { body } = await list(business.admin.token, {
      include: 'id,packageName,packageVersion,softwareType',
      filter: "packageName eq 'nginx1'",
      orderBy: 'packageVersion asc',
    }).expect(200);
    expect(body.items).toEqual([
      [expect.stringMatching(UUID), 'nginx1', '1.2.0', 'install'],
      [expect.stringMatching(UUID), 'nginx1', '1.10.0', 'patch'],
      [expect.stringMatching(UUID), 'nginx1', '2.0.1+7', 'patch'],
    ]);
    const reordered = await list(business.admin.token, {
      include: 'metadata.createdBy,packageState,severityLevel',
      filter: "packageName eq 'critical'",
    }).expect(200);
    expect(reordered.body.items).toEqual([[String(business.admin.id), 'available', 'critical']]);
  });

  it.each([
    ['eq', "packageVersion eq '1.10'", ['nginx1@1.10.0']],
    ['lt', "packageVersion lt '1.10.0'", ['nginx1@1.2.0']],
    ['lte', "packageVersion lte '1.10.0'", ['nginx1@1.2.0', 'nginx1@1.10.0']],
    ['gt', "packageVersion gt '1.10.0'", ['nginx1@2.0.1+7', 'critical@3.0.0']],
    ['gte', "packageVersion gte '2.0.1.7'", ['nginx1@2.0.1+7', 'critical@3.0.0']],
    [
      'and',
      "packageVersion gt '1.2' and packageVersion lt '3.0' and severityLevel eq 'recommended'",
      ['nginx1@1.10.0', 'nginx1@2.0.1+7'],
    ],
    ['enum order', "severityLevel gt 'recommended'", ['critical@3.0.0']],
    ['text', "packageName lt 'd' and packageName gte 'critical'", ['critical@3.0.0']],
  ])('filter %s', async (_name, filter, expected) => {
    const { body } = await list(business.admin.token, { filter, orderBy: 'packageVersion' }).expect(200);
    expect(namesAndVersions(body.items)).toEqual(expected);
  });

  it('filters on timestamps, the creator and the id', async () => {
    const { body: all } = await list(business.admin.token, { orderBy: 'metadata.creationTimestamp' }).expect(
      200,
    );
    const second = all.items[1];
    const since = await list(business.admin.token, {
      filter: `metadata.creationTimestamp gte '${second.metadata.creationTimestamp}' and metadata.createdBy eq '${business.admin.id}'`,
      orderBy: 'metadata.creationTimestamp',
    }).expect(200);
    expect(since.body.items.map((item: { id: string }) => item.id)).toEqual(
      all.items.slice(1).map((item: { id: string }) => item.id),
    );
    const byId = await list(business.admin.token, { filter: `id eq '${second.id.toUpperCase()}'` }).expect(
      200,
    );
    expect(byId.body.items).toEqual([second]);
  });

  it('orders both ways, SemVer-wise', async () => {
    const asc = await list(business.admin.token, { orderBy: 'packageVersion asc' }).expect(200);
    expect(namesAndVersions(asc.body.items)).toEqual([
      'nginx1@1.2.0',
      'nginx1@1.10.0',
      'nginx1@2.0.1+7',
      'critical@3.0.0',
    ]);
    const desc = await list(business.admin.token, { orderBy: 'packageVersion desc' }).expect(200);
    expect(namesAndVersions(desc.body.items)).toEqual(namesAndVersions(asc.body.items).reverse());
    const byName = await list(business.admin.token, { orderBy: 'packageName desc', include: 'packageName' });
    expect(byName.body.items).toEqual([['nginx1'], ['nginx1'], ['nginx1'], ['critical']]);
  });

  it('a general user of the business reads it; a system administrator reads any business', async () => {
    const member = await subUser(t, business);
    const { body } = await list(member.token, { include: 'packageName' }).expect(200);
    expect(body.items).toHaveLength(4);
    const theirs = await list(adminToken, { include: 'packageName' }, other.id).expect(200);
    expect(theirs.body.items).toEqual([['theirs']]);
  });

  describe('errors are problem documents', () => {
    const expectProblem = (
      response: { status: number; headers: Record<string, string>; body: unknown },
      status: number,
      problem: Record<string, unknown>,
    ) => {
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toEqual({
        ...problem,
        status: String(status),
        correlationID: expect.stringMatching(UUID),
      });
    };

    it('401 without a token, as the seed shows it; another problem for a bad token', async () => {
      expectProblem(await t.api().get(packagesOf(business.id)), 401, {
        type: 'https://astra.netapp.io/problems/3',
        title: 'Missing bearer token',
        detail: 'The request is missing the required bearer token.',
      });
      expectProblem(await t.api().get(packagesOf(business.id)).set(auth('not-a-token')), 401, {
        type: 'https://astra.netapp.io/problems/4',
        title: 'Invalid bearer token',
        detail: 'The supplied bearer token is invalid, expired or revoked.',
      });
    });

    it("404 for another business's account, whatever the query: as an unknown account, none of its data", async () => {
      // SPEC §2 over seed 004's 403: another business's account is, to its outsiders, no account at all.
      const collectionNotFound = {
        type: 'https://astra.netapp.io/problems/2',
        title: 'Collection not found',
        detail: "The collection specified in the request URI wasn't found.",
      };
      const member = await subUser(t, business);
      const { body: mine } = await list(business.admin.token, { include: 'id' }).expect(200);
      const { body: theirs } = await list(other.admin.token, { include: 'id' }, other.id).expect(200);
      const theirIds = theirs.items.map(([id]: string[]) => id);
      const myIds = mine.items.map(([id]: string[]) => id);
      expect(theirIds).toHaveLength(1);
      expect(myIds).toHaveLength(4);
      const outsiders = [
        { what: 'admin lists', hidden: theirIds, send: () => list(business.admin.token, {}, other.id) },
        {
          what: 'member lists',
          hidden: theirIds,
          send: () => list(member.token, { include: 'id,packageName' }, other.id),
        },
        {
          what: 'bad filter',
          hidden: theirIds,
          send: () => list(business.admin.token, { filter: 'nonsense' }, other.id),
        },
        {
          what: 'not an id',
          hidden: theirIds,
          send: () => list(business.admin.token, { filter: 'nonsense' }, 'abc'),
        },
        {
          what: 'their package',
          hidden: theirIds,
          send: () =>
            t
              .api()
              .get(`${packagesOf(other.id)}/${theirIds[0]}`)
              .set(auth(business.admin.token)),
        },
        {
          what: 'the other way round',
          hidden: myIds,
          send: () =>
            t
              .api()
              .get(`${packagesOf(business.id)}/${myIds[0]}`)
              .set(auth(other.admin.token)),
        },
        { what: 'no such account', hidden: [], send: () => list(business.admin.token, {}, 999999) },
      ];
      for (const { what, hidden, send } of outsiders) {
        const response = await send();
        expect({ what, status: response.status }).toEqual({ what, status: 404 });
        expectProblem(response, 404, collectionNotFound);
        for (const id of hidden) expect(response.text).not.toContain(id);
        expect(response.text).not.toMatch(/theirs|nginx1|critical/);
      }
    });

    it('400 names each bad query parameter', async () => {
      const response = await list(business.admin.token, {
        filter: "packageName eq 'x' or packageName eq 'y'",
        orderBy: 'images',
        include: 'id,password',
        limit: '0',
        continue: 'garbage',
        page: '2',
      });
      expectProblem(response, 400, {
        type: 'https://astra.netapp.io/problems/5',
        title: 'Invalid query parameters',
        detail: 'The supplied query parameters are invalid.',
        invalidParams: [
          { name: 'page', reason: 'unknown query parameter' },
          { name: 'filter', reason: 'comparisons must be joined by "and"' },
          { name: 'orderBy', reason: 'unknown or unorderable field "images"' },
          { name: 'include', reason: 'unknown field "password"' },
          { name: 'limit', reason: 'must be a whole number from 1 to 1000' },
          { name: 'continue', reason: 'not a continue value of this filter and orderBy' },
        ],
      });
    });

    it('400 for values that are not of the field, never a 500', async () => {
      for (const filter of [
        "packageVersion lt 'one'",
        "packageState eq 'broken'",
        "metadata.creationTimestamp gt '2022-02-30T00:00:00Z'",
        "id eq 'x'",
        "packageName eq 'a\u0000b'",
        "packageName eq 'unterminated",
        "packageName like 'a%'",
        'packageName eq 5',
      ]) {
        const response = await list(business.admin.token, { filter });
        expect({ filter, status: response.status }).toEqual({ filter, status: 400 });
        expect(response.body.invalidParams).toEqual([{ name: 'filter', reason: expect.any(String) }]);
      }
    });

    it('404 for an unknown package and for an unknown account (system administrator)', async () => {
      const resourceNotFound = {
        type: 'https://astra.netapp.io/problems/1',
        title: 'Resource not found',
        detail: "The resource specified in the request URI wasn't found.",
      };
      for (const id of ['8f84cf09-8036-41e4-b579-bd30cb07b269', 'not-a-uuid', '99999999999999999999']) {
        expectProblem(
          await t
            .api()
            .get(`${packagesOf(business.id)}/${id}`)
            .set(auth(business.admin.token)),
          404,
          resourceNotFound,
        );
      }
      const { body } = await list(other.admin.token, { include: 'id' }, other.id).expect(200);
      // Another business's package through one's own account is simply not there.
      expectProblem(
        await t
          .api()
          .get(`${packagesOf(business.id)}/${body.items[0][0]}`)
          .set(auth(business.admin.token)),
        404,
        resourceNotFound,
      );
      const collectionNotFound = {
        type: 'https://astra.netapp.io/problems/2',
        title: 'Collection not found',
        detail: "The collection specified in the request URI wasn't found.",
      };
      for (const account of ['999999', 'acc', '0', '99999999999'])
        expectProblem(await list(adminToken, {}, account), 404, collectionNotFound);
    });
  });

  it('deploying a version that is not available is 409 naming its state and first detail', async () => {
    await t
      .api()
      .post('/v1/app')
      .set(auth(business.admin.token))
      .send(appBody({ appName: 'broken', image: 'Nginx:latest' }))
      .expect(200);
    await t.waitForQuietQueues();
    const response = await requestDeploy(t, business.admin.token, deployBody('web', 'broken')).expect(409);
    expect(response.body).toEqual({
      code: 409,
      message:
        'application broken version 1.2 is not available: its package is corrupt (image reference "Nginx:latest" cannot be parsed: invalid repository path component "Nginx" (lower-case letters, digits and separators))',
    });
  });

  describe('paging with limit and continue', () => {
    let paged: TestBusiness;
    const initial = Array.from({ length: 1000 }, (_, index) => ({
      appName: `app-${index % 40}`,
      version: `${Math.floor(index / 40)}.${index % 3}`,
      status: index % 4,
      severityLevel: index % 5 === 0 ? 1 : 0,
      createTime: new Date(Date.UTC(2025, 0, 1) + (index % 250) * 1000).toISOString(),
    }));

    beforeAll(async () => {
      paged = await approvedBusiness(t);
      await insertPackages(t, paged.id, initial);
    });

    it.each([
      ['id asc', undefined],
      ['packageVersion desc', 'packageVersion desc'],
      ['packageName asc', 'packageName'],
      ['creationTimestamp desc', 'metadata.creationTimestamp desc'],
      ['packageState asc', 'packageState asc'],
    ])('visits every package once by %s while others are inserted between pages', async (label, orderBy) => {
      const { rows: existing } = await listIds();
      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        const query: Record<string, string> = { limit: '97', include: 'id' };
        if (orderBy) query.orderBy = orderBy;
        if (cursor) query.continue = cursor;
        const { body } = await list(paged.admin.token, query, paged.id).expect(200);
        seen.push(...body.items.map((item: string[]) => item[0]));
        cursor = body.metadata.continue;
        // New packages land before, inside and after the part already read.
        await insertPackages(t, paged.id, [
          { appName: `app-${page % 40}`, version: `9${page}.${label.length}`, status: page % 4 },
          { appName: 'aaa', version: `0.${page}.${label.length}`, createTime: '2030-01-01T00:00:00Z' },
        ]);
        page += 1;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(existing.filter((id) => !seen.includes(id))).toEqual([]);
      expect(page).toBeGreaterThanOrEqual(11);
    });

    async function listIds(): Promise<{ rows: string[] }> {
      const rows: { id: string }[] = await t.app
        .get(DataSource)
        .query('SELECT package_id AS id FROM applications WHERE business_id = $1', [paged.id]);
      return { rows: rows.map((row) => row.id) };
    }

    it('a cursor only continues the query that made it', async () => {
      const { body } = await list(
        paged.admin.token,
        { limit: '10', orderBy: 'packageName' },
        paged.id,
      ).expect(200);
      const response = await list(
        paged.admin.token,
        { limit: '10', orderBy: 'packageName desc', continue: body.metadata.continue },
        paged.id,
      ).expect(400);
      expect(response.body.invalidParams).toEqual([
        { name: 'continue', reason: 'not a continue value of this filter and orderBy' },
      ]);
    });
  });
});

import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { FakeCluster } from './fake-kube';
import { ensureConsoleBuilt, launchBrowser } from './support/browser';
import { createApp, DEPLOY_TEST_ENV, registerClusters, startClusters } from './support/deploys';
import { approvedBusiness, subUser, TestBusiness, TestUser } from './support/factories';
import { ADMIN, startTestApp, TestApp } from './support/test-app';

/**
 * The README's screenshots are rewritten only when asked for (UPDATE_SCREENSHOTS=1); otherwise they go to
 * a temporary folder, so that a test run leaves the checkout as it found it.
 */
const REWRITE_SCREENSHOTS = Boolean(process.env.UPDATE_SCREENSHOTS);
const SCREENSHOTS = REWRITE_SCREENSHOTS
  ? path.resolve(__dirname, '../docs/screenshots')
  : mkdtempSync(path.join(tmpdir(), 'ote-screenshots-'));

/**
 * The auditors' console in headless Chromium against the real server, PostgreSQL, Redis, workers and
 * fake clusters: a general user requests a deployment, an administrator approves it from the keyboard,
 * and the deployment page follows the rollout without a reload.
 */
describe('web console (browser)', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let browser: Browser;
  let base: string;
  let business: TestBusiness;
  let member: TestUser;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    [t, clusters, browser] = await Promise.all([
      startTestApp({ ...DEPLOY_TEST_ENV, CLUSTER_SYNC_SECONDS: '1' }),
      startClusters(['edge-a', 'edge-b']),
      launchBrowser(),
    ]);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await registerClusters(t, clusters);
    business = await approvedBusiness(t);
    member = await subUser(t, business);
    await createApp(t, business.admin.token, { appName: 'camera', version: '1.0', isHPA: false });
  });
  afterAll(async () => {
    if (!REWRITE_SCREENSHOTS) rmSync(SCREENSHOTS, { recursive: true, force: true });
    await browser?.close();
    await Promise.all((clusters ?? []).map((cluster) => cluster.stop()));
    await t?.close();
  });

  const newPage = async () => {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400)
        errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    return page;
  };
  const logIn = async (page: Page, user: string, password: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  };
  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('serves the console at / with caching that suits each file, and keeps unknown /v1 routes JSON', async () => {
    const index = await t.api().get('/').set('Accept', 'text/html').expect(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = /\/assets\/[^"]+\.js/.exec(index.text)![0];
    const script = await t.api().get(asset).expect(200);
    expect(script.headers['cache-control']).toContain('max-age=31536000');
    expect(script.headers['cache-control']).toContain('immutable');
    const deepLink = await t.api().get('/deployments').set('Accept', 'text/html').expect(200);
    expect(deepLink.text).toBe(index.text);
    const unknown = await t.api().get('/v1/nothing-here').set('Accept', 'text/html').expect(404);
    expect(unknown.body).toEqual({ code: 404, message: expect.any(String) });
  });

  it('shows the login page, and a wrong password in our own words', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Password').fill('Wrong12345');
    await page.getByLabel('User name').fill(member.user);
    await shoot(page, 'login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/password|user/i);
    await page.close();
  });

  it('a general user requests a deployment and never sees an approve button', async () => {
    const page = await newPage();
    await logIn(page, member.user, member.password);
    await expect(page.getByRole('link', { name: 'Audit queue' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.getByText('Request a deployment').click();
    await page.getByLabel('Deployment name').fill('camera-feed');
    await page.getByLabel('Application').fill('camera');
    await page.getByLabel('Version').fill('1.0');
    await page.getByRole('button', { name: 'Request deployment' }).click();
    await page.getByText('waits for an administrator').waitFor();
    await expect(page.getByRole('button', { name: /^Approve/ }).count()).resolves.toBe(0);
    await page.close();
  });

  it('an administrator approves it with the keyboard alone and watches it succeed on every cluster', async () => {
    const page = await newPage();
    await logIn(page, business.admin.user, business.admin.password);
    await page.getByRole('link', { name: 'Audit queue' }).click();
    const card = page.getByRole('article', { name: /camera-feed/ });
    await card.waitFor();
    // The change: nothing runs yet, the requested version's spec beside it.
    await expect(card.getByLabel(/change of request/).textContent()).resolves.toContain('camera');
    await shoot(page, 'audit-queue');

    // Tab to the comment field, type, tab to Approve, press Enter: no mouse.
    const focused = () =>
      page.evaluate(() => {
        // Runs in the page; the test program is compiled without the DOM's types.
        type Focused = { labels?: ArrayLike<{ textContent: string | null }>; textContent: string | null };
        const element = (globalThis as unknown as { document: { activeElement: Focused | null } }).document
          .activeElement;
        return (element?.labels?.[0]?.textContent ?? element?.textContent ?? '').trim();
      });
    for (let presses = 0; presses < 40 && !(await focused()).startsWith('Comment on request'); presses += 1)
      await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^Comment on request .*camera-feed/);
    await page.keyboard.type('looks right');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^Approve request .*camera-feed/);
    await page.keyboard.press('Enter');
    await card.waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.getByRole('button', { name: 'camera-feed' }).click();
    const detail = page.locator('section[data-detail="camera-feed"]');
    // No reload: the page polls while the workers roll out.
    await detail.locator('h2 [data-status="5"]').waitFor({ timeout: 45_000 });
    await expect(detail.locator('tbody tr').count()).resolves.toBe(2);
    for (const cluster of clusters)
      await expect(
        detail.locator(`tr[data-cluster="${cluster.name}"]`).getAttribute('data-state'),
      ).resolves.toBe('running');
    await shoot(page, 'deployments');

    // A cluster that stops answering during a rollout: its row says offline and since when (SPEC §7),
    // and the page shows it without a reload. The administrator's own request skips the audit.
    await clusters[1].setMode('unreachable');
    try {
      await page.getByText('Request a deployment').click();
      await page.getByLabel('Deployment name').fill('camera-night');
      await page.getByLabel('Application').fill('camera');
      await page.getByLabel('Version').fill('1.0');
      await page.getByRole('button', { name: 'Request deployment' }).click();
      await page.getByRole('button', { name: 'camera-night' }).click();
      const night = page.locator('section[data-detail="camera-night"]');
      await night.locator('tr[data-cluster="edge-b"][data-state="offline"]').waitFor({ timeout: 45_000 });
      await night.locator('tr[data-cluster="edge-a"][data-state="running"]').waitFor({ timeout: 45_000 });
      await shoot(page, 'deployment-offline');
    } finally {
      await clusters[1].setMode('healthy');
    }
    await page.close();
  });

  it('shows clusters with readiness and nodes, applications with their package state, and records', async () => {
    const page = await newPage();
    await logIn(page, ADMIN.user, ADMIN.password);
    await page.getByRole('link', { name: 'Clusters and nodes' }).click();
    await page.locator('tr[data-cluster="edge-a"]').waitFor();
    await shoot(page, 'clusters');
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('table', { name: 'Applications' }).getByText('camera').waitFor();
    await shoot(page, 'applications');
    await page.getByRole('link', { name: 'Deployment records' }).click();
    await page.getByRole('table', { name: 'Deployment records' }).getByText('CREATE').first().waitFor();
    await shoot(page, 'records');
    await page.close();
  });

  it('logged no console errors', async () => {
    // 401 answers to the wrong password are expected network errors, nothing else is.
    expect(errors.filter((error) => !/401/.test(error))).toEqual([]);
  });
});

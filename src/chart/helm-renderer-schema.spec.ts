import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config/app-config';
import { CHART_YAML, chartArchive, type ChartFiles } from '../../test/support/charts';
import { describeHelmError, renderChart } from './helm-renderer';

// A chart's values.schema.json is the chart's, so the tenant's: Helm's schema compiler would follow its
// `$ref` to any URL (an internal service, file:///proc/...) and quote what it got back in its error.

const { helmBin } = loadConfig({
  DATABASE_URL: 'postgres://x/y',
  REDIS_URL: 'redis://x',
  JWT_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEY: '0'.repeat(64),
});
const release = { name: 'web1', namespace: 'ns3', values: { name: 'from-values' } };
const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n';

/** Renders, returning what a user would see either way: the objects or the error's message. */
async function outcome(files: ChartFiles): Promise<string> {
  try {
    const { objects } = await renderChart(helmBin, chartArchive(files), release);
    return JSON.stringify(objects);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('renderChart and values.schema.json $ref', () => {
  let server: Server;
  let requests: string[];
  let url: string;

  beforeAll(async () => {
    requests = [];
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"type":"object","secret":"internal-answer"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  it('never fetches a schema $ref from the network, and never echoes its URL', async () => {
    const result = await outcome({
      'Chart.yaml': CHART_YAML(),
      'values.schema.json': JSON.stringify({ $ref: `${url}/chart-schema` }),
      'templates/cm.yaml': CONFIGMAP,
    });
    expect(requests).toEqual([]);
    expect(result).not.toContain(url);
    expect(result).not.toContain('127.0.0.1');
    expect(result).not.toContain('internal-answer');
    expect(JSON.parse(result)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-values' } },
    ]);
  });

  it('never fetches a $ref in a vendored subchart’s schema either', async () => {
    const result = await outcome({
      'Chart.yaml': `${CHART_YAML()}dependencies:\n  - name: sub\n    version: 0.1.0\n`,
      'templates/cm.yaml': CONFIGMAP,
      'charts/sub/Chart.yaml': CHART_YAML('sub'),
      'charts/sub/values.schema.json': JSON.stringify({
        type: 'object',
        properties: { x: { $ref: `${url}/sub-schema` } },
      }),
      'charts/sub/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n',
    });
    expect(requests).toEqual([]);
    expect(result).not.toContain(url);
    expect(result).not.toMatch(/^error/);
  });

  it('never reads a local file named by a schema $ref, and never names it', async () => {
    for (const ref of ['file:///etc/hostname', 'file:///proc/self/environ', '/etc/hostname']) {
      const result = await outcome({
        'Chart.yaml': CHART_YAML(),
        'values.schema.json': JSON.stringify({ $ref: ref }),
        'templates/cm.yaml': CONFIGMAP,
      });
      expect(result).not.toContain('/etc/hostname');
      expect(result).not.toContain('/proc/');
      expect(result).not.toContain('file:');
      expect(result).not.toMatch(/^error/);
    }
  });
});

describe('describeHelmError masks URLs and absolute paths wherever they stand', () => {
  const workdir = '/tmp/ote-chart-1';

  it('says a schema failure in its own words, quoting nothing a $ref reached or read', () => {
    for (const detail of [
      'failing loading "http://10.0.0.5:6379/x": HTTP request failed for http://10.0.0.5:6379/x: Get "http://10.0.0.5:6379/x": dial tcp 10.0.0.5:6379: connect: connection refused',
      'failing loading "file:///etc/hostname": invalid character \'v\' looking for beginning of value',
    ]) {
      expect(
        describeHelmError(
          `Error: values don't meet the specifications of the schema(s) in the following chart(s):\ndemo:\n${detail}\n`,
          workdir,
        ),
      ).toBe('values do not match values.schema.json of chart demo');
    }
  });

  it('masks addresses Helm dialled', () => {
    expect(
      describeHelmError('Error: Get "http://10.0.0.5/": dial tcp 10.0.0.5:6379: connection refused', workdir),
    ).toBe('Get "<url>": dial tcp <address>: connection refused');
    expect(describeHelmError('Error: dial tcp [fd00::1]:443: refused', workdir)).toBe(
      'dial tcp <address>: refused',
    );
  });

  it('masks absolute paths inside quotes, brackets and after colons', () => {
    for (const stderr of [
      'Error: open "/etc/shadow": permission denied',
      "Error: open '/etc/shadow': permission denied",
      'Error: reading (/etc/shadow) failed',
      'Error: path=/etc/shadow failed',
      'Error: x:/etc/shadow failed',
      'Error: see FILE:/etc/shadow and HTTPS://internal.example/etc/shadow',
    ]) {
      expect(describeHelmError(stderr, workdir)).not.toMatch(/\/etc|shadow|internal\.example/);
    }
  });

  it('keeps chart-relative template paths', () => {
    expect(
      describeHelmError('Error: my-chart/templates/a.yaml:3:1: bad "my-chart/templates/a.yaml"', workdir),
    ).toBe('template my-chart/templates/a.yaml (line 3): bad "my-chart/templates/a.yaml"');
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_YAML, chartArchive, rawArchive, WEB_CHART } from '../../test/support/charts';
import { CHART_LIMITS, unpackChart } from './chart-archive';

describe('unpackChart', () => {
  let into: string;
  beforeEach(async () => {
    into = await mkdtemp(join(tmpdir(), 'chart-archive-spec-'));
  });
  afterEach(() => rm(into, { recursive: true, force: true }));

  const refusal = (archive: Buffer) =>
    unpackChart(archive, into).then(
      () => 'accepted',
      (e: Error) => e.message,
    );

  it('unpacks a chart folder and reads its name and version', async () => {
    const chart = await unpackChart(chartArchive(WEB_CHART), into);
    expect(chart).toEqual({ name: 'demo', version: '0.1.0', root: join(into, 'demo') });
    expect(await readFile(join(into, 'demo', 'templates', 'service.yaml'), 'utf8')).toBe(
      WEB_CHART['templates/service.yaml'],
    );
  });

  it('refuses what is not a gzip-compressed tar archive', async () => {
    expect(await refusal(Buffer.from('apiVersion: v2'))).toMatch(/gzip-compressed tar/);
    expect(await refusal(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toMatch(/not a readable tar archive/);
  });

  it.each([
    [
      'a symbolic link',
      { path: 'demo/templates/x.yaml', type: 'SymbolicLink' as const, linkpath: '/etc/passwd' },
      /SymbolicLink/,
    ],
    [
      'a hard link',
      { path: 'demo/templates/x.yaml', type: 'Link' as const, linkpath: 'demo/Chart.yaml' },
      /Link/,
    ],
    ['a device', { path: 'demo/dev', type: 'CharacterDevice' as const }, /CharacterDevice/],
    ['a path leaving the folder', { path: 'demo/../../evil.yaml', data: 'x' }, /leaves the chart folder/],
    ['an absolute path', { path: '/tmp/evil.yaml', data: 'x' }, /absolute path/],
    ['a file beside the folder', { path: 'evil.yaml', data: 'x' }, /outside the chart's folder/],
  ])('refuses %s', async (_, entry, reason) => {
    const archive = rawArchive([{ path: 'demo/Chart.yaml', data: CHART_YAML() }, entry]);
    expect(await refusal(archive)).toMatch(reason);
  });

  it('refuses two top folders and a missing Chart.yaml', async () => {
    expect(
      await refusal(
        rawArchive([
          { path: 'a/Chart.yaml', data: CHART_YAML() },
          { path: 'b/x', data: 'x' },
        ]),
      ),
    ).toMatch(/exactly one top folder/);
    expect(await refusal(chartArchive({ 'values.yaml': 'a: 1' }))).toMatch(/no demo\/Chart.yaml/);
  });

  it('refuses more entries than the limit, and archives that unpack too large', async () => {
    const many = Object.fromEntries(
      Array.from({ length: CHART_LIMITS.entries + 1 }, (_, i) => [`templates/t${i}.yaml`, '']),
    );
    expect(await refusal(chartArchive({ 'Chart.yaml': CHART_YAML(), ...many }))).toMatch(
      /more than 1000 entries/,
    );
    const big = rawArchive([
      { path: 'demo/Chart.yaml', data: CHART_YAML() },
      { path: 'demo/big', data: randomBytes(CHART_LIMITS.unpackedBytes + 1) },
    ]);
    expect(await refusal(big)).toMatch(/unpacks to more than 10 MiB/);
    const bomb = rawArchive([
      { path: 'demo/Chart.yaml', data: CHART_YAML() },
      { path: 'demo/zeros', data: Buffer.alloc(CHART_LIMITS.unpackedBytes) },
    ]);
    expect(await refusal(bomb)).toMatch(/decompression bomb/);
  });

  it('wants Chart.yaml with apiVersion v2, a name and a version, and no library chart', async () => {
    const withChart = (chartYaml: string) => chartArchive({ 'Chart.yaml': chartYaml });
    expect(await refusal(withChart('apiVersion: v1\nname: a\nversion: 1.0.0\n'))).toMatch(/apiVersion: v2/);
    expect(await refusal(withChart('apiVersion: v2\nversion: 1.0.0\n'))).toMatch(/needs a name/);
    expect(await refusal(withChart('apiVersion: v2\nname: a\n'))).toMatch(/needs a version/);
    expect(await refusal(withChart(`${CHART_YAML()}type: library\n`))).toMatch(/library chart/);
    expect(await refusal(withChart('[unclosed'))).toMatch(/not valid YAML/);
  });

  it('accepts dependencies only when vendored under charts/', async () => {
    const chartYaml = `${CHART_YAML()}dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n`;
    expect(await refusal(chartArchive({ 'Chart.yaml': chartYaml }))).toMatch(
      /dependency redis is not vendored under charts\//,
    );
    const vendored = chartArchive({
      'Chart.yaml': chartYaml,
      'charts/redis/Chart.yaml': CHART_YAML('redis'),
    });
    expect(await refusal(vendored)).toBe('accepted');
  });
});

import { loadConfig } from '../config/app-config';
import { CHART_YAML, chartArchive, WEB_CHART } from '../../test/support/charts';
import { ChartRenderError, describeHelmError, renderChart } from './helm-renderer';

const { helmBin } = loadConfig({
  DATABASE_URL: 'postgres://x/y',
  REDIS_URL: 'redis://x',
  JWT_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEY: '0'.repeat(64),
});
const release = { name: 'web1', namespace: 'ns3', values: {} };

describe('describeHelmError', () => {
  it('names the template and line and drops local paths', () => {
    const stderr =
      'Error: demo/templates/bad.yaml:4:18\n  executing "demo/templates/bad.yaml" at <.Values.x.y>:\n    nil pointer evaluating interface {}.y\n\nUse --debug flag to render out invalid YAML\n';
    expect(describeHelmError(stderr, '/tmp/ote-chart-1')).toBe(
      'template demo/templates/bad.yaml (line 4): executing "demo/templates/bad.yaml" at <.Values.x.y>: nil pointer evaluating interface {}.y',
    );
    // Helm 3, as the Docker image installs it.
    expect(
      describeHelmError(
        'Error: template: demo/templates/bad.yaml:4:18: executing "demo/templates/bad.yaml" at <.Values.x.y>: nil pointer\n',
        '/tmp/ote-chart-1',
      ),
    ).toBe(
      'template demo/templates/bad.yaml (line 4): executing "demo/templates/bad.yaml" at <.Values.x.y>: nil pointer',
    );
    expect(describeHelmError('Error: open /tmp/ote-chart-1/values.json: denied\n', '/tmp/ote-chart-1')).toBe(
      'open values.json: denied',
    );
    expect(describeHelmError('Error: open /var/lib/x: denied', '/tmp/ote-chart-1')).toBe(
      'open <file>: denied',
    );
  });
});

describe('renderChart (the Helm CLI)', () => {
  it('renders every object with the values given', async () => {
    const { chart, objects } = await renderChart(helmBin, chartArchive(WEB_CHART), {
      ...release,
      values: { image: 'nginx:1.27', greeting: 'hi' },
    });
    expect(chart).toEqual({ name: 'demo', version: '0.1.0' });
    expect(objects.map((object) => `${object.kind}/${object.metadata?.name}`).sort()).toEqual([
      'ConfigMap/web1-config',
      'Deployment/web1-web',
      'Service/web1-web',
    ]);
    const deployment = objects.find((object) => object.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect((objects.find((object) => object.kind === 'ConfigMap') as any).data).toEqual({ greeting: 'hi' });
  });

  it('names the template that fails, without local paths', async () => {
    const archive = chartArchive({
      'Chart.yaml': CHART_YAML(),
      'templates/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.name }}\n',
    });
    const error = await renderChart(helmBin, archive, release).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ChartRenderError);
    expect((error as Error).message).toMatch(
      /^chart does not render: template demo\/templates\/broken.yaml \(line 4\)/,
    );
    expect((error as Error).message).not.toMatch(/\/tmp|ote-chart/);
  });

  it('reaches neither DNS nor a cluster while rendering', async () => {
    const archive = chartArchive({
      'Chart.yaml': CHART_YAML(),
      'templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  host: {{ getHostByName "localhost" | quote }}
  secrets: {{ lookup "v1" "Secret" "kube-system" "" | len | quote }}
`,
    });
    const { objects } = await renderChart(helmBin, archive, release);
    expect((objects[0] as any).data).toEqual({ host: '', secrets: '0' });
  });

  it('leaves hooks and tests out', async () => {
    const hook = (kind: string, annotation: string) =>
      `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: h-${annotation}\n  annotations:\n    helm.sh/hook: ${annotation}\n`;
    const archive = chartArchive({
      'Chart.yaml': CHART_YAML(),
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
      'templates/hook.yaml': hook('ConfigMap', 'pre-install'),
      'templates/tests/test.yaml': hook('Pod', 'test'),
    });
    const { objects } = await renderChart(helmBin, archive, release);
    expect(objects.map((object) => object.metadata?.name)).toEqual(['plain']);
  });
});

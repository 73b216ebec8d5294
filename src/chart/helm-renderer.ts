import { execFile } from 'node:child_process';
import type { JsonObject } from '../common/json';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { concurrencyGate } from '../common/concurrency';
import { ChartArchiveError, ChartMetadata, unpackChart } from './chart-archive';

const run = promisify(execFile);
/** Helm processes one server runs at once: uploads and deployments queue for them instead of piling up. */
const helmSlots = concurrencyGate(4);

/** A chart that renders in a few seconds is a chart; one that does not is refused, not waited for. */
const HELM_TIMEOUT_MS = 20_000;
const MAX_RENDERED_BYTES = 16 * 1024 * 1024;

/** Helm's limit on release names, which are deployment names here. */
export const HELM_RELEASE_NAME_MAX = 53;

/** Why a chart does not render, in our words (Helm's message with every local path removed). */
export class ChartRenderError extends ChartArchiveError {}

export interface HelmRelease {
  name: string;
  namespace: string;
  values: JsonObject;
}

export interface RenderedChart {
  chart: ChartMetadata;
  objects: KubernetesObject[];
}

/**
 * Helm's error without the folders it ran in: `Error: c/templates/x.yaml:4:18 executing ... nil pointer`
 * becomes `template c/templates/x.yaml (line 4): executing ... nil pointer`. URLs (`http://`, `file://`,
 * ...) and absolute paths are masked wherever they stand, quoted or not, so Helm can never relay to the
 * user what it reached or read.
 */
export function describeHelmError(stderr: string, workdir: string): string {
  // Schema checks are off (see renderChart); should Helm still report one, it is said in our words, as
  // its text would quote what a `$ref` reached or read.
  const schema =
    /values don't meet the specifications of the schema\(s\) in the following chart\(s\):\s*([\w.-]+):/.exec(
      stderr,
    );
  if (schema) return `values do not match values.schema.json of chart ${schema[1]}`;
  const lines = stderr
    .split(`${workdir}/`)
    .join('')
    .split(workdir)
    .join('')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('Use --debug'));
  const text = lines
    .join(' ')
    .replace(/^Error:\s*/, '')
    // Any scheme, before paths: `file:///etc/x` and `http://10.0.0.5/` would otherwise half survive.
    .replace(/\b[a-z][a-z\d+.-]*:\/\/[^\s"'`<>]*/gi, '<url>')
    .replace(/\bfile:[^\s"'`<>]+/gi, '<url>')
    // An absolute path anywhere but inside a relative one (`demo/templates/x.yaml`) or a word.
    .replace(/(^|[^\w./~-])\/[^\s:"'`<>]+/g, '$1<file>')
    // Addresses Helm dialled (`dial tcp 10.0.0.5:6379`).
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[\da-f:.]*:[\da-f:.]*\](?::\d+)?/gi, '<address>')
    // Helm 3 says `template: c/templates/x.yaml:4:18:`, Helm 4 `c/templates/x.yaml:4:18`.
    .replace(/^(?:template:\s*)?([\w.-]+\/templates\/[^\s:]+):(\d+)(?::\d+)?:?/, 'template $1 (line $2):');
  return text.slice(0, 600) || 'helm failed without a message';
}

function parseRendered(output: string): KubernetesObject[] {
  const documents = parseAllDocuments(output);
  if (!Array.isArray(documents)) return [];
  const objects: KubernetesObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0)
      throw new ChartRenderError('chart renders YAML that cannot be read as Kubernetes objects');
    const object: unknown = document.toJS();
    if (object === null || object === undefined) continue;
    if (typeof object !== 'object' || Array.isArray(object))
      throw new ChartRenderError('chart renders a document that is not a Kubernetes object');
    const { apiVersion, kind } = object as KubernetesObject;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string')
      throw new ChartRenderError('chart renders an object without apiVersion or kind');
    objects.push(object as KubernetesObject);
  }
  return objects;
}

/**
 * `helm template` in a sandbox: a private temporary folder holding the chart we unpacked ourselves and
 * the values as a file, no shell, a clean environment (Helm's home, cache and config in that folder, no
 * kubeconfig, no proxies), hooks and tests left out, and a time limit. `helm template` without
 * `--validate` never contacts a cluster, and charts whose dependencies are not vendored are refused
 * before Helm runs, so nothing is fetched either.
 */
export async function renderChart(
  helmBin: string,
  archive: Buffer,
  release: HelmRelease,
): Promise<RenderedChart> {
  const workdir = await mkdtemp(join(tmpdir(), 'ote-chart-'));
  try {
    const home = join(workdir, 'home');
    await mkdir(home, { mode: 0o700 });
    await mkdir(join(workdir, 'chart'), { mode: 0o700 });
    const chart = await unpackChart(archive, join(workdir, 'chart'));
    const valuesFile = join(workdir, 'values.json');
    await writeFile(valuesFile, JSON.stringify(release.values), { mode: 0o600 });
    const env = {
      // Only for finding HELM_BIN when it is a bare name; PATH holds no secret.
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      HELM_PLUGINS: join(home, 'plugins'),
      HELM_REGISTRY_CONFIG: join(home, 'registry.json'),
      HELM_REPOSITORY_CONFIG: join(home, 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: join(home, 'repository'),
    };
    const args = ['template', release.name, chart.root, '--namespace', release.namespace];
    args.push('--values', valuesFile, '--no-hooks', '--skip-tests');
    // No values.schema.json checks: Helm's schema compiler follows `$ref` to http(s):// and file:// URLs,
    // so an uploaded chart (or a subchart under charts/) could make the server fetch internal addresses or
    // read local files and echo the answer in the error.
    args.push('--skip-schema-validation');
    let stdout: string;
    try {
      ({ stdout } = await helmSlots(() =>
        run(helmBin, args, {
          cwd: workdir,
          env,
          timeout: HELM_TIMEOUT_MS,
          killSignal: 'SIGKILL',
          maxBuffer: MAX_RENDERED_BYTES,
          windowsHide: true,
        }),
      ));
    } catch (error) {
      const failure = error as { killed?: boolean; code?: unknown; stderr?: string };
      if (failure.code === 'ENOENT') throw new Error('the Helm CLI (HELM_BIN) is not installed');
      if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
        throw new ChartRenderError('chart renders more than 16 MiB of objects');
      if (failure.killed)
        throw new ChartRenderError(`chart did not render within ${HELM_TIMEOUT_MS / 1000} s`);
      throw new ChartRenderError(
        `chart does not render: ${describeHelmError(failure.stderr ?? '', workdir)}`,
      );
    }
    return { chart: { name: chart.name, version: chart.version }, objects: parseRendered(stdout) };
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}

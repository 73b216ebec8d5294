import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Parser, ReadEntry } from 'tar';
import { parse as parseYaml } from 'yaml';

/** Bounds on what an uploaded chart may unpack to; a chart is templates and values, not a data set. */
export const CHART_LIMITS = {
  /** The upload itself (compressed). */
  archiveBytes: 1024 * 1024,
  entries: 1000,
  unpackedBytes: 10 * 1024 * 1024,
} as const;

/** Why an archive is not an acceptable chart, in words a tenant can act on. */
export class ChartArchiveError extends Error {
  readonly transient = false;
}

export interface ChartMetadata {
  name: string;
  version: string;
}

export interface UnpackedChart extends ChartMetadata {
  /** The chart's folder inside the folder it was unpacked into. */
  root: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/** Chart names as Helm accepts them: they become folder names and labels. */
const CHART_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

interface ArchiveFile {
  path: string;
  data: Buffer;
}

/** `chart/templates/a.yaml` as safe relative parts, or why the path may not be unpacked. */
function safeParts(path: string): string[] | string {
  if (path.includes('\\') || path.includes('\0')) return `entry ${path} has an unusual path`;
  if (path.startsWith('/')) return `entry ${path} has an absolute path`;
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return `entry ${path} leaves the chart folder`;
  if (parts.length === 0) return `entry ${path} has no name`;
  return parts;
}

/**
 * Reads a `.tgz` into memory without touching the disk, refusing anything that is not plain files and
 * folders under one top folder, and stopping as soon as a limit is passed (a small gzip can unpack huge).
 */
async function readArchive(archive: Buffer): Promise<{ top: string; files: ArchiveFile[] }> {
  if (archive.length < 2 || archive[0] !== GZIP_MAGIC[0] || archive[1] !== GZIP_MAGIC[1])
    throw new ChartArchiveError('chart must be a gzip-compressed tar archive (.tgz)');
  const files: ArchiveFile[] = [];
  const tops = new Set<string>();
  let entries = 0;
  let unpacked = 0;
  let problem: string | null = null;
  await new Promise<void>((resolve) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const refuse = (why: string) => {
          problem ??= why;
          entry.resume();
          parser.abort(new ChartArchiveError(why));
        };
        if (problem) return entry.resume();
        if (++entries > CHART_LIMITS.entries)
          return refuse(`chart has more than ${CHART_LIMITS.entries} entries`);
        const parts = safeParts(entry.path);
        if (typeof parts === 'string') return refuse(parts);
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory')
          return refuse(`entry ${entry.path} is a ${entry.type}; a chart holds only files and folders`);
        tops.add(parts[0]);
        if (entry.type === 'Directory') return entry.resume();
        if (parts.length === 1) return refuse(`file ${entry.path} is outside the chart's folder`);
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          unpacked += chunk.length;
          if (unpacked > CHART_LIMITS.unpackedBytes)
            return refuse(`chart unpacks to more than ${CHART_LIMITS.unpackedBytes / 1024 / 1024} MiB`);
          chunks.push(chunk);
        });
        entry.on('end', () => files.push({ path: parts.join('/'), data: Buffer.concat(chunks) }));
      },
    });
    parser.on('error', (error: Error) => {
      problem ??=
        error instanceof ChartArchiveError
          ? error.message
          : /decompression ratio/.test(error.message)
            ? 'chart archive unpacks to far more than its size (a decompression bomb)'
            : 'chart is not a readable tar archive';
      resolve();
    });
    parser.on('abort', () => resolve());
    parser.on('end', () => resolve());
    parser.end(archive);
  });
  if (problem) throw new ChartArchiveError(problem);
  if (tops.size !== 1) throw new ChartArchiveError('chart archive must hold exactly one top folder');
  return { top: [...tops][0], files };
}

function readMetadata(chartYaml: Buffer | undefined, files: Set<string>, top: string): ChartMetadata {
  if (!chartYaml) throw new ChartArchiveError(`chart has no ${top}/Chart.yaml`);
  let chart: unknown;
  try {
    chart = parseYaml(chartYaml.toString('utf8'), { maxAliasCount: 10 });
  } catch {
    throw new ChartArchiveError('Chart.yaml is not valid YAML');
  }
  const fields = (chart ?? {}) as Record<string, unknown>;
  if (typeof chart !== 'object' || Array.isArray(chart))
    throw new ChartArchiveError('Chart.yaml must be a mapping');
  if (fields.apiVersion !== 'v2') throw new ChartArchiveError('Chart.yaml must say apiVersion: v2');
  if (typeof fields.name !== 'string' || !CHART_NAME_RULE.test(fields.name))
    throw new ChartArchiveError('Chart.yaml needs a name of letters, digits, ., _ and -');
  if (typeof fields.version !== 'string' || fields.version.length === 0 || fields.version.length > 64)
    throw new ChartArchiveError('Chart.yaml needs a version');
  if (fields.type === 'library') throw new ChartArchiveError('a library chart cannot be deployed');
  const dependencies = Array.isArray(fields.dependencies) ? fields.dependencies : [];
  for (const dependency of dependencies as { name?: unknown }[]) {
    const name = typeof dependency?.name === 'string' ? dependency.name : '';
    const vendored =
      files.has(`${top}/charts/${name}/Chart.yaml`) ||
      [...files].some(
        (path) =>
          posix.dirname(path) === `${top}/charts` &&
          posix.basename(path).startsWith(`${name}-`) &&
          path.endsWith('.tgz'),
      );
    if (!name || !vendored)
      throw new ChartArchiveError(
        `dependency ${name || '(unnamed)'} is not vendored under charts/; the platform never downloads charts`,
      );
  }
  return { name: fields.name, version: fields.version };
}

/**
 * Checks an uploaded chart archive and writes it under `into` (a private, empty folder), so that Helm
 * only ever sees a folder we wrote ourselves: no links, no paths outside it, bounded in size.
 */
export async function unpackChart(archive: Buffer, into: string): Promise<UnpackedChart> {
  const { top, files } = await readArchive(archive);
  const paths = new Set(files.map((file) => file.path));
  const metadata = readMetadata(files.find((file) => file.path === `${top}/Chart.yaml`)?.data, paths, top);
  if (paths.size !== files.length) throw new ChartArchiveError('chart archive holds a file twice');
  try {
    for (const file of files) {
      const target = join(into, ...file.path.split('/'));
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(target, file.data, { mode: 0o600, flag: 'wx' });
    }
  } catch {
    // A file where a folder of the same name should be, or the reverse.
    throw new ChartArchiveError('chart archive holds conflicting entries');
  }
  return { ...metadata, root: join(into, top) };
}

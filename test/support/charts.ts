import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create, Header } from 'tar';

/** A chart's files by path inside the chart folder (`Chart.yaml`, `templates/web.yaml`, ...). */
export type ChartFiles = Record<string, string>;

/** Packs a chart folder named `folder` from files written to a temporary directory, as `helm package` would. */
export function chartArchive(files: ChartFiles, folder = 'demo'): Buffer {
  const workdir = mkdtempSync(join(tmpdir(), 'chart-fixture-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = join(workdir, folder, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    const file = join(workdir, 'chart.tgz');
    create({ gzip: true, cwd: workdir, file, sync: true, portable: true }, [folder]);
    return readFileSync(file);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice';
  data?: string | Buffer;
  linkpath?: string;
}

/** A `.tgz` written entry by entry, for archives no well-behaved packer makes (links, `..`, absolute paths). */
export function rawArchive(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const header = Buffer.alloc(512);
    new Header({
      path: entry.path,
      type: entry.type ?? 'File',
      size: entry.type && entry.type !== 'File' ? 0 : data.length,
      mode: 0o644,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    }).encode(header);
    blocks.push(header);
    if (!entry.type || entry.type === 'File') {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export const CHART_YAML = (name = 'demo', version = '0.1.0') =>
  `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "1.0"\n`;

/** A chart with a Deployment, a Service and a ConfigMap, its image and greeting taken from values. */
export const WEB_CHART: ChartFiles = {
  'Chart.yaml': CHART_YAML('demo', '0.1.0'),
  'values.yaml': 'image: nginx:1.25\ngreeting: hello\nreplicas: 1\n',
  'templates/_helpers.tpl': '{{- define "demo.selector" -}}\napp: {{ .Release.Name }}-web\n{{- end }}\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      {{- include "demo.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "demo.selector" . | nindent 8 }}
    spec:
      containers:
        - name: web
          image: {{ .Values.image | quote }}
          env:
            - name: GREETING
              valueFrom:
                configMapKeyRef:
                  name: {{ .Release.Name }}-config
                  key: greeting
          securityContext:
            allowPrivilegeEscalation: false
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    {{- include "demo.selector" . | nindent 4 }}
  ports:
    - port: 80
      targetPort: 8080
`,
  'templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
`,
};

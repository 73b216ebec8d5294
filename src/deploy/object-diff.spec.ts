import type { KubernetesObject } from '@kubernetes/client-node';
import { objectsDiff } from './object-diff';

const configMap = (greeting: string) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web' },
    data: { greeting },
  }) as KubernetesObject;
const secret = (password: string) =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'web' },
    stringData: { password },
  }) as KubernetesObject;

describe('objectsDiff', () => {
  it('is a unified diff headed with where and which versions, showing only what changes', () => {
    const diff = objectsDiff(
      'web on edge-a',
      { label: 'running 1.0', objects: [secret('same'), configMap('hello')] },
      { label: 'requested 1.1', objects: [configMap('hi'), secret('same')] },
    );
    expect(diff).toContain('--- web on edge-a (running 1.0)\n+++ web on edge-a (requested 1.1)\n');
    expect(diff).toContain('\n-  greeting: hello\n+  greeting: hi\n');
    expect(diff.split('\n').filter((line) => /^[-+] /.test(line))).toHaveLength(2);
  });

  it('never shows a Secret value, only that it changes', () => {
    const diff = objectsDiff(
      'web',
      { label: 'running 1.0', objects: [secret('old-s3cret')] },
      { label: 'requested 1.1', objects: [secret('new-s3cret')] },
    );
    expect(diff).not.toMatch(/s3cret/);
    expect(diff).toMatch(/^-  password: \(hidden, sha256 [0-9a-f]{12}\)$/m);
    expect(diff).toMatch(/^\+  password: \(hidden, sha256 [0-9a-f]{12}\)$/m);
  });
});

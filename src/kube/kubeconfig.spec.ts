import { parse, stringify } from 'yaml';
import { KubeError } from './kube-error';
import { canonicalKubeconfig, openStoredKubeconfig } from './kubeconfig';

/** A kubeconfig as registration keeps it and a worker opens it. */
const vetKubeconfig = (text: string) => openStoredKubeconfig(canonicalKubeconfig(text));

const config = (cluster: Record<string, unknown>, user: Record<string, unknown>, extra = {}) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
    'current-context': 'ctx',
    ...extra,
  });

const refusal = (text: string): string => {
  try {
    vetKubeconfig(text);
  } catch (error) {
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).kind).toBe('invalid');
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('canonicalKubeconfig and openStoredKubeconfig', () => {
  it('accepts inline credentials and builds the client config from them alone', () => {
    const kc = vetKubeconfig(
      config(
        {
          'certificate-authority-data': 'Q0E=',
          'tls-server-name': 'kube.local',
          'insecure-skip-tls-verify': false,
        },
        { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ', token: 't0k' },
      ),
    );
    expect(kc.getCurrentCluster()).toEqual({
      name: 'c',
      server: 'https://10.0.0.1:6443',
      caData: 'Q0E=',
      tlsServerName: 'kube.local',
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()).toEqual({
      name: 'u',
      token: 't0k',
      certData: 'Q0VSVA==',
      keyData: 'S0VZ',
      username: undefined,
      password: undefined,
    });
  });

  it('accepts basic auth and a plain http server with insecure-skip-tls-verify', () => {
    const kc = vetKubeconfig(
      config(
        { server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true },
        { username: 'a', password: 'b' },
      ),
    );
    expect(kc.getCurrentUser()).toMatchObject({ username: 'a', password: 'b' });
  });

  it.each([
    ['user', 'exec', { command: '/bin/sh' }],
    ['user', 'auth-provider', { name: 'oidc', config: { 'id-token': 'x' } }],
    ['user', 'tokenFile', '/proc/self/environ'],
    ['user', 'token-file', '/proc/self/environ'],
    ['user', 'client-certificate', '/etc/x'],
    ['user', 'client-key', '/etc/x'],
    ['user', 'as', 'system:admin'],
    ['user', 'impersonate-user', 'system:admin'],
    ['cluster', 'certificate-authority', '/etc/x'],
    ['cluster', 'proxy-url', 'socks5://127.0.0.1:1080'],
    ['cluster', 'unknown-thing', 1],
  ])('refuses %s.%s by name', (part, field, value) => {
    const text =
      part === 'user'
        ? config({}, { token: 't', [field]: value })
        : config({ [field]: value }, { token: 't' });
    expect(refusal(text)).toContain(`.${field} is not allowed`);
  });

  it('refuses a forbidden field in a user the current context does not use', () => {
    const text = stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://h' } }],
      users: [
        { name: 'u', user: { token: 't' } },
        { name: 'other', user: { exec: { command: 'x' } } },
      ],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    });
    expect(refusal(text)).toBe(
      'users[1].user.exec is not allowed in a kubeconfig: only inline credentials are accepted',
    );
  });

  it.each([
    ['no server', {}, /server must be an http\(s\) URL/],
    ['a file URL', { server: 'file:///etc/passwd' }, /server must be an http\(s\) URL/],
    ['credentials in the URL', { server: 'https://a:b@h' }, /without credentials/],
    [
      'a non-boolean skip',
      { 'insecure-skip-tls-verify': 'yes' },
      /insecure-skip-tls-verify must be true or false/,
    ],
  ])('refuses %s', (_what, cluster, message) => {
    const text = stringify({ ...parse(config({}, { token: 't' })), clusters: [{ name: 'c', cluster }] });
    expect(refusal(text)).toMatch(message);
  });

  it.each([
    [
      'no current context',
      config({}, { token: 't' }, { 'current-context': undefined }),
      'no current context',
    ],
    [
      'an unknown current context',
      config({}, { token: 't' }, { 'current-context': 'nope' }),
      'current context is not among its contexts',
    ],
    ['a list', '- a\n- b\n', 'not a YAML mapping'],
    ['clusters that are not a list', 'clusters: 5\ncurrent-context: x\n', 'clusters must be a list'],
  ])('refuses %s', (_what, text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it('names a YAML error by kind and position without quoting the text', () => {
    const message = refusal('users:\n- name: u\n  user:\n    token: "s3cr3t\n  : [\n');
    expect(message).toMatch(/^not valid YAML: [a-z ]+ at line \d+, column \d+$/);
    expect(message).not.toContain('s3cr3t');
  });

  it('keeps only the current context, its cluster and user, as kubeconfig JSON', () => {
    const text = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: 'https://10.0.0.1:6443', extensions: [{ name: 'x' }] } },
        { name: 'other', cluster: { server: 'https://10.0.0.2:6443' } },
      ],
      users: [
        { name: 'u', user: { token: 't0k' } },
        { name: 'v', user: { token: 'not-used' } },
      ],
      contexts: [
        { name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'default' } },
        { name: 'other', context: { cluster: 'other', user: 'v' } },
      ],
      'current-context': 'ctx',
    });
    const canonical = canonicalKubeconfig(text);
    expect(JSON.parse(canonical)).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: 'https://10.0.0.1:6443', 'insecure-skip-tls-verify': false } },
      ],
      users: [{ name: 'u', user: { token: 't0k' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    });
    // Still a kubeconfig for any YAML reader, and the same one again.
    expect(canonicalKubeconfig(canonical)).toBe(canonical);
    expect(openStoredKubeconfig(canonical).getCurrentUser()).toMatchObject({ name: 'u', token: 't0k' });
  });

  it('opens a stored kubeconfig through the same checks, JSON or YAML', () => {
    const json = JSON.stringify(parse(config({}, { token: 't', exec: { command: '/bin/sh' } })));
    for (const stored of [json, config({}, { token: 't', exec: { command: '/bin/sh' } })]) {
      expect(() => openStoredKubeconfig(stored)).toThrow('user.exec is not allowed');
    }
    expect(openStoredKubeconfig(config({}, { token: 'yaml' })).getCurrentUser()).toMatchObject({
      token: 'yaml',
    });
    // YAML's flow style starts with a brace, as JSON does.
    const flow = `{apiVersion: v1, clusters: [{name: c, cluster: {server: 'https://h'}}], users: [{name: u, user: {token: f}}], contexts: [{name: x, context: {cluster: c, user: u}}], current-context: x}`;
    expect(openStoredKubeconfig(flow).getCurrentUser()).toMatchObject({ token: 'f' });
  });

  it('refuses duplicate keys and alias bombs', () => {
    expect(refusal('current-context: a\ncurrent-context: b\n')).toMatch(/^not valid YAML: duplicate key/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10)
          .fill(`*${i === 0 ? 'a' : 'b'.repeat(i)}`)
          .join(', ')}]`,
      );
    expect(refusal(bomb.join('\n'))).toMatch(/aliases/);
  });
});

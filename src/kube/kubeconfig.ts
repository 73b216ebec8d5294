import { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { LineCounter, parseDocument } from 'yaml';
import { KubeError } from './kube-error';

/**
 * The one gate every kubeconfig passes, at registration and again whenever a stored one is opened.
 *
 * A kubeconfig is untrusted input, and client-node obeys whatever it says: `exec` spawns a process,
 * `auth-provider` and the `*-file` fields read local files, `proxy-url` sends our requests elsewhere.
 * So the text is parsed here, only inline credentials are accepted (anything else is refused by name),
 * and client-node's KubeConfig is built from the cleaned values alone: no code path of client-node can
 * then read a file or spawn a process because of a kubeconfig.
 */

/** Cluster fields with no side effect beyond the connection they describe. */
const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
/** Inline credentials: a bearer token, a client certificate and key, or basic auth. */
const USER_FIELDS = new Set([
  'token',
  'client-certificate-data',
  'client-key-data',
  'username',
  'password',
  'extensions',
]);
const CONTEXT_FIELDS = new Set(['cluster', 'user', 'namespace', 'extensions']);

/** Keeps YAML bombs (aliases expanding to huge trees) from costing more than the text itself. */
const MAX_ALIAS_COUNT = 50;

const refuse = (message: string) => new KubeError('invalid', message);

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parse(text: string): Fields {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  // A YAML error's message may quote the offending line, which in a kubeconfig is often the token or
  // the client key: name only the kind of error and where it is.
  const [error] = document.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw refuse(
      `not valid YAML: ${error.code.toLowerCase().replace(/_/g, ' ')} at line ${line}, column ${col}`,
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    throw refuse('not valid YAML: too many or unresolved aliases');
  }
  if (!isFields(value)) throw refuse('not a YAML mapping');
  return value;
}

/** `clusters`, `users` or `contexts`: a list of `{name, <key>: {...}}`, each field checked against `allowed`. */
function namedEntries(config: Fields, list: string, key: string, allowed: Set<string>): Map<string, Fields> {
  const entries = config[list] ?? [];
  if (!Array.isArray(entries)) throw refuse(`${list} must be a list`);
  const byName = new Map<string, Fields>();
  entries.forEach((entry: unknown, index) => {
    const where = `${list}[${index}]`;
    if (!isFields(entry) || typeof entry.name !== 'string' || !entry.name)
      throw refuse(`${where} must have a name`);
    const body = entry[key] ?? {};
    if (!isFields(body)) throw refuse(`${where}.${key} must be a mapping`);
    for (const field of Object.keys(body)) {
      if (!allowed.has(field))
        throw refuse(
          `${where}.${key}.${field} is not allowed in a kubeconfig: only inline credentials are accepted`,
        );
    }
    byName.set(entry.name, body);
  });
  return byName;
}

function optionalString(fields: Fields, field: string, where: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw refuse(`${where}.${field} must be a string`);
  return value;
}

function serverUrl(value: string | undefined, where: string): string {
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw refuse(`${where}.server must be an http(s) URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw refuse(`${where}.server must be an http(s) URL without credentials`);
  return value!;
}

/** The checked values of a kubeconfig's current context: all that is kept of it. */
interface CheckedKubeconfig {
  context: string;
  cluster: Cluster;
  user: User;
}

/** Checks a parsed kubeconfig and keeps the current context's cluster and user, from checked values only. */
function check(config: Fields): CheckedKubeconfig {
  const clusters = namedEntries(config, 'clusters', 'cluster', CLUSTER_FIELDS);
  const users = namedEntries(config, 'users', 'user', USER_FIELDS);
  const contexts = namedEntries(config, 'contexts', 'context', CONTEXT_FIELDS);

  const contextName = config['current-context'];
  if (typeof contextName !== 'string' || !contextName) throw refuse('no current context');
  const context = contexts.get(contextName);
  if (!context) throw refuse('current context is not among its contexts');
  const clusterName = context.cluster;
  const userName = context.user;
  if (typeof clusterName !== 'string' || !clusters.has(clusterName))
    throw refuse('current context names no cluster');
  if (typeof userName !== 'string' || !users.has(userName)) throw refuse('current context names no user');

  const clusterFields = clusters.get(clusterName)!;
  const where = 'cluster';
  const skip = clusterFields['insecure-skip-tls-verify'] ?? false;
  if (typeof skip !== 'boolean') throw refuse(`${where}.insecure-skip-tls-verify must be true or false`);
  const userFields = users.get(userName)!;
  return {
    context: contextName,
    cluster: {
      name: clusterName,
      server: serverUrl(optionalString(clusterFields, 'server', where), where),
      caData: optionalString(clusterFields, 'certificate-authority-data', where),
      tlsServerName: optionalString(clusterFields, 'tls-server-name', where),
      skipTLSVerify: skip,
    },
    user: {
      name: userName,
      token: optionalString(userFields, 'token', 'user'),
      certData: optionalString(userFields, 'client-certificate-data', 'user'),
      keyData: optionalString(userFields, 'client-key-data', 'user'),
      username: optionalString(userFields, 'username', 'user'),
      password: optionalString(userFields, 'password', 'user'),
    },
  };
}

/**
 * Checks kubeconfig text offered by a user and returns what is kept of it: the current context's
 * cluster and user, as kubeconfig JSON (JSON is YAML: it is still a kubeconfig). Stored in this form, it
 * is opened without a YAML parser (openStoredKubeconfig), which costs a worker meeting a cluster for the
 * first time a millisecond or more.
 */
export function canonicalKubeconfig(text: string): string {
  const { context, cluster, user } = check(parse(text));
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          'certificate-authority-data': cluster.caData,
          'insecure-skip-tls-verify': cluster.skipTLSVerify,
          'tls-server-name': cluster.tlsServerName,
        },
      },
    ],
    users: [
      {
        name: user.name,
        user: {
          token: user.token,
          'client-certificate-data': user.certData,
          'client-key-data': user.keyData,
          username: user.username,
          password: user.password,
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: cluster.name, user: user.name } }],
    'current-context': context,
  });
}

/** The TLS options of client-node's connection pool for a cluster (an undici Agent's `connect`). */
type ConnectOptions = Extract<
  ReturnType<KubeConfig['createDispatcherOptions']>,
  { type: 'agent' }
>['connect'];

/**
 * A vetted kubeconfig (see openStoredKubeconfig) that keeps the TLS options client-node works out for
 * its cluster's connections (CA, client certificate, server name, verification) when it authenticates a
 * request: makeKubeClients builds the clients' own connection pool from them, because client-node's
 * pool cannot be told how long to keep an idle connection.
 */
export class VettedKubeConfig extends KubeConfig {
  /** Set by the first authentication; undefined for a cluster without TLS options. */
  connectOptions: ConnectOptions | undefined;

  override createDispatcherOptions(...args: Parameters<KubeConfig['createDispatcherOptions']>) {
    const options = super.createDispatcherOptions(...args);
    // A vetted kubeconfig has no proxy-url: its options are a plain pool's ('agent') or none.
    this.connectOptions = options.type === 'agent' ? options.connect : undefined;
    return options;
  }
}

/**
 * A stored kubeconfig as a client-node config, through the same checks as at registration (it may
 * predate them). One stored as canonicalKubeconfig made it is read as JSON; older ones as YAML.
 */
export function openStoredKubeconfig(text: string): VettedKubeConfig {
  const { context, cluster, user } = check(parseStored(text));
  const kubeConfig = new VettedKubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: context, cluster: cluster.name, user: user.name }],
    currentContext: context,
  });
  return kubeConfig;
}

function parseStored(text: string): Fields {
  if (text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (isFields(value)) return value;
    } catch {
      // YAML's flow style starts with a brace too.
    }
  }
  return parse(text);
}

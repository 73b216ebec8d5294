import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, open, readFile, readlink, rm } from 'node:fs/promises';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

export interface Account {
  uid: number;
  gid: number;
}

/** Runs a command to completion and returns its stdout; the rejection's message carries its stderr. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } & Partial<Account> = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, { ...options, encoding: 'utf8' });
  return stdout;
}

/**
 * The path of `command` on PATH, installing Debian package `aptPackage` when it is missing and we may
 * (root, with apt-get); otherwise the error says how to install it or which variable to set instead.
 */
export async function findOrInstall(
  command: string,
  aptPackage: string,
  instead: string,
  log: (msg: string) => void,
): Promise<string> {
  const installCommand = `apt-get install -y ${aptPackage}`;
  const found = await findOnPath(command);
  if (found) return found;
  if (process.getuid?.() !== 0 || !(await findOnPath('apt-get'))) {
    throw new Error(
      `${command} is not installed. Install it (Debian/Ubuntu: sudo ${installCommand}) or set ${instead}.`,
    );
  }
  log(`${command} is not installed: running ${installCommand}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', aptPackage], { env });
  // A fresh machine has no package lists yet; fetch them only when the install needs them.
  await install().catch(async () => {
    await run('apt-get', ['update'], { env });
    await install();
  });
  const installed = await findOnPath(command);
  if (!installed) throw new Error(`${installCommand} succeeded but ${command} is not on PATH`);
  return installed;
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** `preferred` when it is free on 127.0.0.1 (so URLs stay the same from one start to the next), else any free port. */
export async function pickPort(preferred: number): Promise<number> {
  try {
    return await listenOnce(preferred);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return listenOnce(0);
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is a live process whose working directory is `dir`. Our servers chdir into their data
 * directory, which tells a server a previous run left behind from an unrelated process that got its pid
 * (zombies have no cwd, so they count as gone).
 */
async function worksIn(pid: number, dir: string): Promise<boolean> {
  return (await readlink(`/proc/${pid}/cwd`).catch(() => undefined)) === dir;
}

/** The kernel's start time of `pid`: with the pid, it identifies a process even after pids are reused. */
export async function startTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Field 22; the command name in field 2 may contain spaces, so count from its closing parenthesis.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/**
 * Handles what a run that died without stopping its server (SIGKILL, crash) left in `dir`: stops the server
 * still running there, or deletes a pid file whose pid now belongs to another process (PostgreSQL would
 * refuse to start over it). Needs Linux's /proc; elsewhere PostgreSQL's own stale-lock check still applies.
 */
export async function stopLeftover(
  name: string,
  pidFile: string,
  dir: string,
  signal: NodeJS.Signals,
  log: (msg: string) => void,
): Promise<void> {
  if (process.platform !== 'linux') return;
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (!(pid > 0) || !exists(pid)) return;
  if (!(await worksIn(pid, dir))) {
    await rm(pidFile);
    return;
  }
  log(`stopping the ${name} (pid ${pid}) that a previous run left running in ${dir}`);
  sendSignal(pid, signal);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (await worksIn(pid, dir)) {
    if (Date.now() > deadline) sendSignal(pid, 'SIGKILL');
    await sleep(POLL_MS);
  }
}

/** process.kill, except that the process having exited meanwhile is no error. */
function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A server process we started, and how to shut it down cleanly. */
export class ManagedServer {
  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly stopSignal: NodeJS.Signals,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Asks the server to shut down without waiting: all a process 'exit' handler can do. */
  signalStop(): void {
    if (!this.exited) this.child.kill(this.stopSignal);
  }

  /** Stops the server and waits for its exit; `signal` SIGKILL is a crash (the chaos tests use it). */
  async stop(signal: NodeJS.Signals = this.stopSignal): Promise<void> {
    if (this.exited) return;
    // The child is unref'ed; without this, Node could exit while we wait for it.
    this.child.ref();
    const exit = once(this.child, 'exit');
    this.child.kill(signal);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(killer);
  }
}

export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** Appended with the server's stdout and stderr. */
  logFile: string;
  /** How the server asks to be shut down cleanly. */
  stopSignal: NodeJS.Signals;
  /** Written to the server's stdin (its configuration, kept out of `ps`). */
  stdin?: string;
  account?: Account;
  /** Resolves once the server is ready, rejects until then. */
  probe: () => Promise<void>;
}

/** Spawns a server and waits until its probe succeeds; on failure the error quotes the end of its log. */
export async function startServer(spec: ServerSpec): Promise<ManagedServer> {
  const logHandle = await open(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      ...spec.account,
      // Its own process group: a Ctrl-C in the terminal reaches only us, so the app can shut down before
      // the databases it uses do.
      detached: true,
      stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', logHandle.fd, logHandle.fd],
    });
  } finally {
    // The child has its own copy of the descriptor by now.
    await logHandle.close();
  }
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  // A server that dies before reading its stdin makes the write fail; the exit check below reports that.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(spec.stdin);
  // The server must not keep Node alive by itself; whatever ends the process stops it (see ManagedServer).
  child.unref();
  const server = new ManagedServer(spec.name, child, spec.stopSignal);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw spawnError;
    if (server.exited) {
      throw new Error(
        `${spec.name} exited while starting (${child.exitCode ?? child.signalCode}); end of ${spec.logFile}:\n${await tail(spec.logFile)}`,
      );
    }
    try {
      await spec.probe();
      return server;
    } catch (err) {
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${spec.name} was not ready after ${READY_TIMEOUT_MS / 1000} s: ${String(err)}`);
      }
    }
    await sleep(POLL_MS);
  }
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-20).join('\n');
}

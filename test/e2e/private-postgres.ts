/**
 * A private PostgreSQL server for one test file: `initdb` into a temporary directory and `pg_ctl start` on a
 * free port, so the test can stop and restart it without disturbing other tests that share the local server
 * (the runner runs two files at once). The binaries come from PENNY_PG_BINDIR when set (only there), else
 * `pg_config --bindir` or /usr/lib/postgresql/15/bin. PostgreSQL refuses to run as root: under root every binary runs as the
 * `postgres` user (`runuser -u postgres --`), and the directory is handed to that user.
 *
 * The server is for tests only: trust authentication, bound to 127.0.0.1, fsync off (a restart here is a
 * clean `-m fast` shutdown, so nothing depends on it).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  /** Connection string of the `postgres` database as the `postgres` superuser. */
  readonly url: string;
  /** Fast shutdown (clients are disconnected); resolves when the server is down. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (immediate mode) and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

const FALLBACK_BINDIR = '/usr/lib/postgresql/15/bin';

/** The directory holding initdb and pg_ctl, or undefined when they are not installed. */
export function postgresBindir(): string | undefined {
  const chosen = process.env.PENNY_PG_BINDIR;
  if (chosen)
    return existsSync(join(chosen, 'initdb')) && existsSync(join(chosen, 'pg_ctl')) ? chosen : undefined;
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // No pg_config on the PATH.
  }
  candidates.push(FALLBACK_BINDIR);
  return candidates.find((d) => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function run(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.slice(0, 4).join(' ')}… failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Creates and starts the server; throws (with the server's own words) when it cannot. */
export async function startPrivatePostgres(prefix = 'penny-pg-'): Promise<PrivatePostgres> {
  const bindir = postgresBindir();
  if (!bindir) {
    const where = process.env.PENNY_PG_BINDIR ?? `pg_config --bindir or ${FALLBACK_BINDIR}`;
    throw new Error(`no PostgreSQL binaries (initdb, pg_ctl) in ${where}`);
  }
  const asRoot = process.getuid?.() === 0;
  const as = (bin: string, ...args: string[]) =>
    asRoot ? ['runuser', '-u', 'postgres', '--', join(bindir, bin), ...args] : [join(bindir, bin), ...args];
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  let destroyed = false;
  const stopNow = () => {
    if (destroyed) return;
    destroyed = true;
    const [cmd, ...args] = as('pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop');
    spawnSync(cmd!, args, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  // Should the test process end without its `after` hook, the server does not outlive it.
  process.once('exit', stopNow);
  try {
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
    }
    await run(
      as('initdb', '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'),
    );
    let port = 0;
    let opts = '';
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`;
      try {
        await run(as('pg_ctl', '-D', data, '-l', log, '-o', opts, '-w', '-t', '60', 'start'));
        break;
      } catch (err) {
        // Another process may have taken the port between the probe and the start: try another.
        if (attempt >= 2) throw err;
      }
    }
    const ctl = (...args: string[]) =>
      run(as('pg_ctl', '-D', data, '-w', '-t', '60', ...args)).then(() => {});
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: () => ctl('-m', 'fast', 'stop'),
      start: () => ctl('-l', log, '-o', opts, 'start'),
      destroy: async () => {
        process.removeListener('exit', stopNow);
        stopNow();
      },
    };
  } catch (err) {
    process.removeListener('exit', stopNow);
    stopNow();
    throw err;
  }
}

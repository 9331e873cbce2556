/**
 * Runs untrusted code (a model's answer plus its tests) in a separate, limited process — never in this
 * one (Node's `vm` is not a sandbox). Each run gets a fresh temporary directory, removed afterwards.
 *
 * Isolation `strict` (the default; needs root, `unshare`, `setpriv` and `prlimit` from util-linux):
 *   - new network, mount, PID, IPC and UTS namespaces: no network at all (not even loopback is up), the
 *     process sees only its own PIDs, and when the run ends every process it started dies with it;
 *   - every mount is re-mounted read-only inside the namespace except the run's own directory, so writing
 *     anywhere else fails with EROFS;
 *   - all capabilities dropped (empty bounding set, no-new-privs) before the interpreter starts, so it
 *     cannot undo the read-only mounts;
 *   - prlimit: CPU seconds, address space (memory), largest file, open files, no core dumps;
 *   - a wall-clock timeout kills the whole process group.
 * Isolation `limits` (any user): the same prlimit limits, timeout and temporary directory, an environment
 * with no proxy settings and `no_proxy=*`, but no namespaces — the code can reach the network and write
 * wherever the user can. Use it only where that is acceptable; `strict` refuses to run (the check fails
 * and the cascade escalates) when the host cannot provide it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SandboxLanguage = 'python' | 'node';
export type SandboxIsolation = 'strict' | 'limits';

export interface SandboxLimits {
  timeoutMs: number;
  cpuSeconds: number;
  memoryMb: number;
  /** Largest file the code may write, in MB. */
  fileMb: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 10_000, cpuSeconds: 5, memoryMb: 512, fileMb: 8 };

export interface SandboxRequest {
  language: SandboxLanguage;
  /** The program to run (written to main.py / main.js in the run's directory). */
  source: string;
  limits?: Partial<SandboxLimits>;
  isolation?: SandboxIsolation;
}

export interface SandboxResult {
  /** Exit code 0 within the limits. */
  passed: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Wall-clock time of the run, ms. */
  latencyMs: number;
  /** CPU time (user + system) of the code, ms, when the strict launcher could measure it. */
  cpuMs: number | null;
  stdout: string;
  stderr: string;
  isolation: SandboxIsolation;
  /** Why the code could not be run at all (no interpreter, no isolation). */
  error?: string;
}

const OUTPUT_CAP = 16 * 1024;

/** The in-namespace launcher: bind the run dir, make every other mount read-only, run, report CPU time on fd 3. */
const LAUNCHER = [
  'set -e',
  'W="$1"; shift',
  'mount --bind "$W" "$W"',
  `awk '{print $5}' /proc/self/mountinfo | while read -r m; do [ "$m" = "$W" ] || mount -o remount,bind,ro "$m" 2>/dev/null || true; done`,
  'cd "$W"',
  'set +e',
  '"$@" 3>&-',
  'rc=$?',
  'times >&3',
  'exit $rc',
].join('\n');

function which(cmd: string): string | null {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return r.status === 0 && p ? p : null;
}

let pythonPath: string | null | undefined;
/** The real python3 executable (not a pyenv shim, which needs $HOME), resolved once. */
function python(): string | null {
  if (pythonPath !== undefined) return pythonPath;
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  pythonPath = r.status === 0 && p ? p : null;
  return pythonPath;
}

let strictProbe: { ok: boolean; why?: string } | undefined;
/** Whether `strict` isolation works here (probed once by running `true` through the launcher). */
export function strictIsolationAvailable(): { ok: boolean; why?: string } {
  strictProbe ??= probeStrict();
  return strictProbe;
}

function probeStrict(): { ok: boolean; why?: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'not Linux' };
  if (process.getuid?.() !== 0) return { ok: false, why: 'not running as root' };
  for (const tool of ['unshare', 'setpriv', 'prlimit']) {
    if (!which(tool)) return { ok: false, why: `${tool} not found (util-linux)` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'penny-sbx-probe-'));
  try {
    const r = spawnSync('unshare', [...unshareArgs(), '/bin/sh', '-c', LAUNCHER, 'sh', dir, 'true'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      timeout: 10_000,
      encoding: 'utf8',
    });
    return r.status === 0
      ? { ok: true }
      : { ok: false, why: `namespaces unavailable: ${String(r.stderr).trim()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function unshareArgs(): string[] {
  return [
    '--net',
    '--mount',
    '--pid',
    '--fork',
    '--ipc',
    '--uts',
    '--mount-proc',
    '--propagation',
    'private',
    '--kill-child=SIGKILL',
    '--',
  ];
}

interface Plan {
  cmd: string;
  args: string[];
  dir: string;
  isolation: SandboxIsolation;
  limits: SandboxLimits;
}

function plan(req: SandboxRequest): Plan | { error: string; isolation: SandboxIsolation } {
  const isolation = req.isolation ?? 'strict';
  const limits = { ...DEFAULT_LIMITS, ...req.limits };
  const interp = req.language === 'python' ? python() : process.execPath;
  if (!interp) return { error: 'python3 not found', isolation };
  if (isolation === 'strict') {
    const probe = strictIsolationAvailable();
    if (!probe.ok) return { error: `strict sandbox unavailable: ${probe.why}`, isolation };
  }
  if (!which('prlimit')) return { error: 'prlimit not found (util-linux)', isolation };
  const dir = mkdtempSync(join(tmpdir(), 'penny-sbx-'));
  const file = req.language === 'python' ? 'main.py' : 'main.js';
  writeFileSync(join(dir, file), req.source);
  // V8 reserves several GB of address space up front: Node is capped by its heap flag, not RLIMIT_AS.
  const asMb = req.language === 'node' ? limits.memoryMb + 4096 : limits.memoryMb;
  const run =
    req.language === 'python'
      ? [interp, '-I', '-B', file]
      : [interp, `--max-old-space-size=${limits.memoryMb}`, '--no-warnings', file];
  const limited = [
    'prlimit',
    `--cpu=${limits.cpuSeconds}`,
    `--as=${asMb * 1024 * 1024}`,
    `--fsize=${limits.fileMb * 1024 * 1024}`,
    '--nofile=64',
    '--core=0',
    '--',
    ...run,
  ];
  if (isolation === 'strict') {
    return {
      cmd: 'unshare',
      args: [
        ...unshareArgs(),
        '/bin/sh',
        '-c',
        LAUNCHER,
        'sh',
        dir,
        'setpriv',
        '--no-new-privs',
        '--bounding-set',
        '-all',
        '--inh-caps',
        '-all',
        '--',
        ...limited,
      ],
      dir,
      isolation,
      limits,
    };
  }
  return { cmd: limited[0]!, args: limited.slice(1), dir, isolation, limits };
}

function sandboxEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: dir,
    TMPDIR: dir,
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    no_proxy: '*',
    NO_PROXY: '*',
  };
}

/** `times` prints the shell's then its children's user/system time: "0m0.080000s 0m0.020000s". */
function parseTimes(text: string): number | null {
  const lines = text.trim().split('\n');
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[lines.length - 1] ?? '');
  if (!m) return null;
  const s = Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
  return Math.round(s * 1000);
}

const cap = (s: string) => (s.length > OUTPUT_CAP ? `${s.slice(0, OUTPUT_CAP)}…[truncated]` : s);

function failed(error: string, isolation: SandboxIsolation): SandboxResult {
  return {
    passed: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    latencyMs: 0,
    cpuMs: null,
    stdout: '',
    stderr: '',
    isolation,
    error,
  };
}

/** Runs the program asynchronously (the gateway's path: the event loop stays free). */
export function runInSandbox(req: SandboxRequest): Promise<SandboxResult> {
  const p = plan(req);
  if ('error' in p) return Promise.resolve(failed(p.error, p.isolation));
  const t0 = process.hrtime.bigint();
  return new Promise((resolveRun) => {
    let child: ChildProcess;
    try {
      child = spawn(p.cmd, p.args, {
        cwd: p.dir,
        env: sandboxEnv(p.dir),
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (e) {
      rmSync(p.dir, { recursive: true, force: true });
      resolveRun(failed(`spawn failed: ${(e as Error).message}`, p.isolation));
      return;
    }
    const out: string[] = [];
    const err: string[] = [];
    const times: string[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout?.on('data', (b: Buffer) => {
      if (outLen < OUTPUT_CAP) out.push(b.toString('utf8'));
      outLen += b.length;
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (errLen < OUTPUT_CAP) err.push(b.toString('utf8'));
      errLen += b.length;
    });
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (b: Buffer) =>
      times.push(b.toString('utf8')),
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, p.limits.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: string) => {
      clearTimeout(timer);
      rmSync(p.dir, { recursive: true, force: true });
      const latencyMs = Number(process.hrtime.bigint() - t0) / 1e6;
      resolveRun({
        passed: !timedOut && !error && code === 0,
        exitCode: code,
        signal,
        timedOut,
        latencyMs: Math.round(latencyMs * 1000) / 1000,
        cpuMs: parseTimes(times.join('')),
        stdout: cap(out.join('')),
        stderr: cap(err.join('')),
        isolation: p.isolation,
        ...(error ? { error } : {}),
      });
    };
    child.on('error', (e) => finish(null, null, `spawn failed: ${e.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** The same run, blocking (for the offline replay only — never on the gateway's request path). */
export function runInSandboxSync(req: SandboxRequest): SandboxResult {
  const p = plan(req);
  if ('error' in p) return failed(p.error, p.isolation);
  const t0 = process.hrtime.bigint();
  try {
    const r = spawnSync(p.cmd, p.args, {
      cwd: p.dir,
      env: sandboxEnv(p.dir),
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: p.limits.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 4 * OUTPUT_CAP,
      encoding: 'utf8',
    });
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    const latencyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const fd3 = (r.output?.[3] as string | null | undefined) ?? '';
    return {
      passed: !timedOut && !r.error && r.status === 0,
      exitCode: r.status,
      signal: r.signal,
      timedOut,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      cpuMs: parseTimes(fd3),
      stdout: cap(r.stdout ?? ''),
      stderr: cap(r.stderr ?? ''),
      isolation: p.isolation,
      ...(r.error && !timedOut ? { error: r.error.message } : {}),
    };
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
}

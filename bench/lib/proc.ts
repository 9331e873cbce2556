/**
 * What the wrk-driven benchmarks share about child processes: whether a command exists, pinning to a CPU,
 * starting a server that prints `READY <port>`, stopping it, and reading its CPU time from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Exits with a message naming `bench` when wrk is missing. */
export function requireWrk(bench: string): void {
  if (have('wrk')) return;
  console.error(`${bench}: \`wrk\` is required (apt-get install -y wrk)`);
  process.exit(1);
}

const TASKSET = have('taskset');

/** `cmd` run on CPU `cpu` when taskset exists. */
export const pin = (cpu: number, cmd: string[]): string[] =>
  TASKSET ? ['taskset', '-c', String(cpu), ...cmd] : cmd;

/** Starts `cmd` (NODE_ENV=production plus `env`) and resolves with the port it prints as `READY <port>`. */
export function startProc(
  cmd: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${cmd.join(' ')} exited ${code}: ${out}`)));
  });
}

/** SIGTERM, then SIGKILL after `killAfterMs`; resolves when the process has exited (at once if it had). */
export function stop(child: ChildProcess, killAfterMs = 10_000): Promise<void> {
  return new Promise((r) => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
  });
}

const TICK_US = (() => {
  try {
    return 1e6 / (Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);
  } catch {
    return 1e6 / 100;
  }
})();

/** utime + stime of `pid` so far, µs (fields 14 and 15 of /proc/<pid>/stat). Throws when it is gone. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/**
 * Where the RSS of `npm run bench`'s "Penny (ledger on)" row goes, in variants compared in turn (issue 14 item 3).
 * Each variant is a fresh bench/servers/penny.mjs (pinned to CPU 0; the fake upstream and wrk on CPU 1) driven as
 * the gateway bench drives it — json then streamed at 10 clients for 2 s (warm-up; its end cuts streams, so the
 * usage estimates' rank table loads there), then json and streamed at 1, 10 and 64 clients — except that each
 * measured cell is a fixed number of answers (10,000 / 35,000 / 35,000 json, 6,000 / 20,000 / 20,000 streamed,
 * about what a quiet machine does in `npm run bench`'s 2 s cells), so a loaded machine does the same work; then
 * 1 s of streams at 64 clients cut by wrk. RSS is read after each 64-client cell, after the last one and 2 s
 * later (the largest is reported, as the gateway bench does), with the peak (VmHWM), the process's CPU per
 * request over the run, its threads, RSS by mapping from /proc/<pid>/smaps (the node binary; V8's 256 KB heap
 * pages; the main malloc arena `[heap]`; other anonymous mappings by size — the threads' malloc arenas are
 * the large ones) and the main thread's heap (PENNY_BENCH_MEMORY_REPORT, SIGUSR2).
 *
 *   node bench/rss-probe.mjs "name:ENV=value,ENV2=value" ...
 *
 * e.g. `"main:PENNY_BENCH_DIST=/path/to/main/dist" "this:"` (list a variant again for another round).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = new URL('..', import.meta.url).pathname;
const variants = process.argv.slice(2).length ? process.argv.slice(2) : ['Penny defaults:'];
const tmp = (name) => join(tmpdir(), `penny-rss-probe-${process.pid}-${name}`);

function start(cmd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ child, port: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`${cmd.join(' ')} exited ${code}: ${out}`)));
  });
}

const body = (stream) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    stream,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });
const headers = [
  'wrk.method = "POST"',
  'wrk.headers["Content-Type"] = "application/json"',
  'wrk.headers["Authorization"] = "Bearer penny"',
];
/** wrk's script; with `stopAfter`, it says DONE on stderr at that many answers and stops sending. */
function script(stream, stopAfter) {
  const file = tmp(`${stream ? 's' : 'j'}${stopAfter ?? ''}.lua`);
  const lines = [...headers, `wrk.body = ${JSON.stringify(body(stream))}`];
  if (stopAfter)
    lines.push(
      'local answered = 0',
      'response = function()',
      '  answered = answered + 1',
      `  if answered == ${stopAfter} then io.stderr:write("DONE\\n"); io.stderr:flush(); wrk.thread:stop() end`,
      'end',
    );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
const requests = (out) => Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
/** A cell of `seconds`, ended by wrk (streams in flight are cut). */
const timed = (url, stream, clients, seconds) =>
  requests(
    execFileSync(
      'taskset',
      [
        '-c',
        '1',
        'wrk',
        '-t1',
        `-c${clients}`,
        `-d${seconds}s`,
        '-s',
        script(stream),
        `${url}/v1/chat/completions`,
      ],
      { encoding: 'utf8' },
    ),
  );
/** A cell of `n` answers (wrk interrupted at the n-th). */
const counted = (url, stream, clients, n) =>
  new Promise((resolve) => {
    const w = spawn('taskset', [
      '-c',
      '1',
      'wrk',
      '-t1',
      `-c${clients}`,
      '-d120s',
      '-s',
      script(stream, n),
      `${url}/v1/chat/completions`,
    ]);
    let out = '';
    let err = '';
    w.stdout.on('data', (d) => {
      out += d;
    });
    w.stderr.on('data', (d) => {
      err += d;
      if (err.includes('DONE')) w.kill('SIGINT');
    });
    w.on('exit', () => resolve(requests(out)));
  });

const status = (pid, key) =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const cpuMicros = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000; // utime + stime, at 100 ticks a second
};
function byMapping(pid) {
  const groups = {};
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const kb = (Number.parseInt(m[2], 16) - Number.parseInt(m[1], 16)) / 1024;
      if (m[3].endsWith('/node')) name = 'node binary';
      else if (m[3]) name = m[3];
      else name = kb === 256 ? 'V8 heap pages (256 KB)' : kb > 1024 ? 'anonymous > 1 MB' : 'anonymous ≤ 1 MB';
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) groups[name] = (groups[name] ?? 0) + Number(rss[1]) / 1024;
  }
  return Object.entries(groups)
    .filter(([, mb]) => mb >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([k, mb]) => `${mb.toFixed(1)} ${k}`)
    .join(', ');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const fake = await start(
  ['taskset', '-c', '1', process.execPath, '--import', 'tsx', 'bench/servers/fake.ts'],
  {},
);
const upstream = `http://127.0.0.1:${fake.port}`;
for (const v of variants) {
  const colon = v.indexOf(':');
  const name = colon < 0 ? v : v.slice(0, colon);
  const env = {};
  for (const kv of (colon < 0 ? '' : v.slice(colon + 1)).split(',').filter(Boolean))
    env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  const report = tmp('report.json');
  const gw = await start(['taskset', '-c', '0', process.execPath, 'bench/servers/penny.mjs', upstream], {
    PENNY_BENCH_MEMORY_REPORT: report,
    ...env,
  });
  const url = `http://127.0.0.1:${gw.port}`;
  const pid = gw.child.pid;
  await sleep(500);
  const idle = status(pid, 'VmRSS');
  const cpu0 = cpuMicros(pid);
  let n = timed(url, false, 10, 2) + timed(url, true, 10, 2);
  let rss = 0;
  const cells = { false: { 1: 10_000, 10: 35_000, 64: 35_000 }, true: { 1: 6_000, 10: 20_000, 64: 20_000 } };
  for (const stream of [false, true])
    for (const clients of [1, 10, 64]) {
      n += await counted(url, stream, clients, cells[stream][clients]);
      if (clients === 64) rss = Math.max(rss, status(pid, 'VmRSS'));
    }
  n += timed(url, true, 64, 1);
  rss = Math.max(rss, status(pid, 'VmRSS'));
  const cpu = (cpuMicros(pid) - cpu0) / n;
  await sleep(2000);
  rss = Math.max(rss, status(pid, 'VmRSS'));
  const threads = readdirSync(`/proc/${pid}/task`).length;
  const mappings = byMapping(pid);
  rmSync(report, { force: true });
  gw.child.kill('SIGUSR2');
  for (let i = 0; i < 40; i++) {
    await sleep(50);
    try {
      const r = JSON.parse(readFileSync(report, 'utf8'));
      const mb = (x) => (x / 1048576).toFixed(1);
      const s = r.spaces;
      console.log(
        `${name}: RSS ${rss.toFixed(0)} MB (peak ${status(pid, 'VmHWM').toFixed(0)}, idle after start ${idle.toFixed(0)}), ${n} requests, ${cpu.toFixed(1)} µs CPU/request, ${threads} threads\n` +
          `  by mapping (MB): ${mappings}\n` +
          `  main heap (MB): new ${mb(s.new_space.committed)}, old ${mb(s.old_space.committed)} committed / ${mb(s.old_space.used)} used, code ${mb(s.code_space.committed)}; ArrayBuffers ${mb(r.memoryUsage.arrayBuffers)}; peak malloced ${mb(r.peakMallocedMemory)}; promoted ${(r.gc.promoted / 1024 / n).toFixed(2)} KB/request, ${r.gc.markCompacts} mark-compacts`,
      );
      break;
    } catch {}
  }
  gw.child.kill('SIGTERM');
  await new Promise((r) => gw.child.on('exit', r));
}
fake.child.kill('SIGKILL');
console.log(
  `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);

/**
 * The dashboard's files, served by the gateway itself so it works offline: the plain HTML/CSS/JS under
 * `dashboard/` at the package root (the same relative place from `src/` and from `dist/`), plus Chart.js's
 * UMD build from node_modules. Only files that exist when the gateway starts can be served — request
 * paths are looked up in that list, never joined onto the file system.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The dashboard source folder at the package root. */
export function dashboardDir(): string {
  return fileURLToPath(new URL('../../dashboard/', import.meta.url));
}

/** Chart.js's UMD bundle (sets `window.Chart`); the package's exports map does not list it, so resolve beside its main file. */
export function chartJsPath(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(main), 'chart.umd.js');
}

export class StaticAssets {
  /** Asset name (path under /dashboard/assets/) → file. */
  readonly #files = new Map<string, string>();
  readonly #cache = new Map<string, Asset>();

  constructor(dir: string = dashboardDir(), chartJs: string = chartJsPath()) {
    for (const file of walk(dir)) {
      if (!TYPES[extname(file)]) continue;
      this.#files.set(relative(dir, file).split(sep).join('/'), file);
    }
    this.#files.set('vendor/chart.umd.js', chartJs);
  }

  has(name: string): boolean {
    return this.#files.has(name);
  }

  names(): string[] {
    return [...this.#files.keys()].sort();
  }

  /** The asset, read once and kept in memory (the files are small and do not change while serving). */
  get(name: string): Asset | undefined {
    const cached = this.#cache.get(name);
    if (cached) return cached;
    const file = this.#files.get(name);
    if (!file) return undefined;
    const body = readFileSync(file);
    const asset = {
      body,
      contentType: TYPES[extname(file)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
    };
    this.#cache.set(name, asset);
    return asset;
  }
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (n.startsWith('.')) continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

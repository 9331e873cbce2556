/**
 * Loads the configuration: a file (YAML or JSON; --config, PENNY_CONFIG, or ./penny.config.{yaml,yml,json}),
 * then the usual environment variables (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY,
 * ANTHROPIC_BASE_URL, PORT, PENNY_HOST, PENNY_LEDGER_PATH, PENNY_DATABASE_URL). Every mistake is reported with the path of the
 * field at fault, e.g. `config: providers.groq.baseUrl: Invalid URL`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { closestKey, knownKeys } from './did-you-mean.js';
import { PROVIDER_TYPES, type ProviderType, type ProviderTypeSpec } from '../providers/registry.js';
import { type PennyConfig, type ProviderConfig, configSchema } from './schema.js';
import { expandArmPolicies } from '../quality/arm-policies.js';

export interface ResolvedProvider {
  name: string;
  type: ProviderType;
  baseUrl: string;
  /** Never logged; kept in memory only. */
  apiKey: string | undefined;
  headers: Record<string, string>;
  models: string[];
  apiVersion: string | undefined;
  deployments: Record<string, string>;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
}

export interface LoadedConfig {
  config: PennyConfig;
  providers: ResolvedProvider[];
  ledgerPath: string;
  /** PostgreSQL URL of the ledger (PENNY_DATABASE_URL or ledger.url); unset = the SQLite file at ledgerPath. */
  ledgerUrl?: string;
  /** The file read, if any. */
  file: string | undefined;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values from CLI flags; they win over file and environment. */
  overrides?: { port?: number; host?: string; ledgerPath?: string };
  /** A config object instead of a file (library use). */
  object?: unknown;
}

const DEFAULT_FILES = ['penny.config.yaml', 'penny.config.yml', 'penny.config.json'];

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let file: string | undefined;
  let raw: unknown = opts.object ?? {};
  if (opts.object === undefined) {
    const explicit = opts.file ?? env.PENNY_CONFIG;
    if (explicit) {
      file = resolve(cwd, explicit);
      if (!existsSync(file)) throw new ConfigError('', `config file not found: ${file}`);
    } else {
      file = DEFAULT_FILES.map((f) => join(cwd, f)).find((f) => existsSync(f));
    }
    if (file) raw = parseFile(file);
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw zodToConfigError(parsed.error, file);
  const config = parsed.data;
  expandArmPolicies(config);

  const port = opts.overrides?.port ?? numberEnv(env.PORT, 'PORT') ?? config.server.port;
  const host = opts.overrides?.host ?? env.PENNY_HOST ?? config.server.host;
  config.server.port = port;
  config.server.host = host;
  if (env.PENNY_ADMIN_TOKEN) config.server.adminToken = env.PENNY_ADMIN_TOKEN;
  if (env.PENNY_API_KEYS) {
    config.server.authTokens = Object.fromEntries(
      env.PENNY_API_KEYS.split(',')
        .map((t) => t.trim())
        .filter(Boolean)
        .map((t, i) => [`env-${i + 1}`, t]),
    );
  }

  const providers = resolveProviders(config, env);
  for (const [alias, target] of Object.entries(config.models)) {
    if (!providers.some((p) => p.name === target.provider)) {
      throw new ConfigError(
        `models.${alias}.provider`,
        `unknown provider "${target.provider}"; configured providers: ${providers.map((p) => p.name).join(', ') || '(none)'}`,
      );
    }
  }
  const ledgerPath =
    opts.overrides?.ledgerPath ??
    env.PENNY_LEDGER_PATH ??
    config.ledger.path ??
    join(homedir(), '.penny', 'ledger.db');
  const ledgerUrl = env.PENNY_DATABASE_URL || config.ledger.url;
  if (ledgerUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(ledgerUrl)) {
    throw new ConfigError(
      'PENNY_DATABASE_URL',
      'environment variable PENNY_DATABASE_URL is not a postgres:// URL',
    );
  }
  return {
    config,
    providers,
    ledgerPath: resolve(cwd, ledgerPath),
    ...(ledgerUrl ? { ledgerUrl } : {}),
    file,
  };
}

function parseFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    // The YAML parser is loaded only when a YAML file is actually read.
    return file.endsWith('.json')
      ? JSON.parse(text)
      : (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw new ConfigError(
      '',
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      e,
    );
  }
}

function numberEnv(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(name, `environment variable ${name}="${v}" is not a port number`);
  return n;
}

function resolveProviders(config: PennyConfig, env: NodeJS.ProcessEnv): ResolvedProvider[] {
  const out: ResolvedProvider[] = [];
  for (const [name, p] of Object.entries(config.providers)) out.push(resolveOne(name, p, env));
  // The usual environment variables add the first-party providers (the provider types that name their
  // environment variables: OPENAI_*, ANTHROPIC_*) when the file does not name them.
  for (const type of Object.keys(PROVIDER_TYPES) as ProviderType[]) {
    const spec: ProviderTypeSpec = PROVIDER_TYPES[type];
    if (spec.keyEnv === undefined || spec.baseUrlEnv === undefined) continue;
    if (out.some((p) => p.type === type)) continue;
    const key = env[spec.keyEnv];
    const baseUrl = env[spec.baseUrlEnv];
    if (key || baseUrl) out.push(resolveOne(type, { type, ...(baseUrl ? { baseUrl } : {}) }, env));
  }
  return out;
}

function resolveOne(name: string, p: ProviderConfig, env: NodeJS.ProcessEnv): ResolvedProvider {
  const spec = PROVIDER_TYPES[p.type];
  const baseUrl =
    p.baseUrl ??
    ('baseUrlEnv' in spec ? env[spec.baseUrlEnv] : undefined) ??
    ('defaultBaseUrl' in spec ? spec.defaultBaseUrl : undefined);
  if (!baseUrl) throw new ConfigError(`providers.${name}.baseUrl`, `is required for type "${p.type}"`);
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`providers.${name}.baseUrl`, `"${baseUrl}" is not a URL`);
  }
  let apiKey = p.apiKey;
  if (p.apiKeyEnv) {
    apiKey = env[p.apiKeyEnv];
    if (!apiKey)
      throw new ConfigError(`providers.${name}.apiKeyEnv`, `environment variable ${p.apiKeyEnv} is not set`);
  } else if (!apiKey && 'keyEnv' in spec) {
    apiKey = env[spec.keyEnv] || undefined;
  }
  return {
    name,
    type: p.type,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey,
    headers: p.headers ?? {},
    models: p.models ?? [],
    apiVersion: p.apiVersion,
    deployments: p.deployments ?? {},
    timeoutMs: p.timeoutMs ?? 600_000,
    idleTimeoutMs: p.idleTimeoutMs ?? 120_000,
    maxConnections: p.maxConnections ?? 128,
  };
}

export function zodToConfigError(err: z.ZodError, file?: string): ConfigError {
  const lines = new Map<string, string>();
  let known: Set<string> | undefined;
  for (const i of err.issues) {
    const at = i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[');
    if (i.code === 'unrecognized_keys') {
      known ??= knownKeys(configSchema);
      for (const k of i.keys) {
        const path = at ? `${at}.${k}` : k;
        const hint = closestKey(k, known);
        if (!lines.has(path))
          lines.set(path, `${path}: unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      continue;
    }
    const path = at || '(root)';
    // One line per field: the first problem found there.
    if (!lines.has(path)) lines.set(path, `${path}: ${i.message}`);
  }
  return new ConfigError('', `${file ? `${file}: ` : ''}${[...lines.values()].join('; ')}`, err);
}

/**
 * The quality stores in PostgreSQL: tables in the ledger's schema, created by the `quality` component's
 * migrations (src/postgres/migrate.ts), so several gateways and the CLI share stops, feedback and verdicts.
 */
import type pg from 'pg';
import { type Migrations, migrate } from '../../postgres/migrate.js';
import { createPool, quoteSchema } from '../../postgres/pool.js';
import { type EvaluationRow, evaluationOf, type FeedbackRow, feedbackOf } from '../quality-rows.js';
import type {
  Evaluation,
  EvaluationFilter,
  EvaluationStore,
  ExperimentStateStore,
  ExperimentStop,
  Feedback,
  FeedbackStore,
  GuardSwitch,
  QualityStores,
} from '../quality-stores.js';

export const QUALITY_MIGRATIONS: Migrations = {
  component: 'quality',
  steps: [
    // v1
    `CREATE TABLE {schema}.experiment_stops (
       name TEXT PRIMARY KEY,
       arm TEXT NOT NULL,
       stopped_at BIGINT NOT NULL
     );
     CREATE TABLE {schema}.feedback (
       request_id TEXT PRIMARY KEY,
       key_id TEXT,
       ts BIGINT NOT NULL,
       score DOUBLE PRECISION,
       label TEXT,
       thumbs TEXT,
       comment TEXT
     );
     CREATE TABLE {schema}.evaluations (
       request_id TEXT PRIMARY KEY,
       evaluation_id TEXT,
       ts BIGINT NOT NULL,
       feature TEXT NOT NULL,
       tactic TEXT NOT NULL,
       arm TEXT,
       verdict TEXT NOT NULL,
       method TEXT NOT NULL,
       score DOUBLE PRECISION,
       error TEXT
     );
     CREATE INDEX evaluations_feature_ts ON {schema}.evaluations (feature, tactic, ts);
     CREATE TABLE {schema}.guard_switches (
       seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       ts BIGINT NOT NULL,
       feature TEXT NOT NULL,
       tactic TEXT NOT NULL,
       mode TEXT NOT NULL,
       agree INTEGER NOT NULL,
       n INTEGER NOT NULL,
       lower DOUBLE PRECISION NOT NULL,
       floor DOUBLE PRECISION NOT NULL
     );`,
  ],
};

class PgExperimentStateStore implements ExperimentStateStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  async stop(x: ExperimentStop): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.experiment_stops (name, arm, stopped_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET arm = EXCLUDED.arm, stopped_at = EXCLUDED.stopped_at`,
      [x.name, x.arm, x.stoppedAt],
    );
  }

  async resume(name: string): Promise<boolean> {
    const r = await this.pool.query(`DELETE FROM ${this.s}.experiment_stops WHERE name = $1`, [name]);
    return (r.rowCount ?? 0) > 0;
  }

  async list(): Promise<ExperimentStop[]> {
    const r = await this.pool.query<{ name: string; arm: string; stopped_at: string }>(
      `SELECT name, arm, stopped_at FROM ${this.s}.experiment_stops ORDER BY name`,
    );
    return r.rows.map((x) => ({ name: x.name, arm: x.arm, stoppedAt: Number(x.stopped_at) }));
  }
}

class PgFeedbackStore implements FeedbackStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  async put(f: Feedback): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.feedback (request_id, key_id, ts, score, label, thumbs, comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (request_id) DO UPDATE SET key_id = EXCLUDED.key_id, ts = EXCLUDED.ts, score = EXCLUDED.score,
         label = EXCLUDED.label, thumbs = EXCLUDED.thumbs, comment = EXCLUDED.comment`,
      [f.requestId, f.keyId, f.ts, f.score, f.label, f.thumbs, f.comment],
    );
  }

  async get(requestId: string): Promise<Feedback | null> {
    const r = await this.pool.query<FeedbackRow>(`SELECT * FROM ${this.s}.feedback WHERE request_id = $1`, [
      requestId,
    ]);
    return r.rows[0] ? feedbackOf(r.rows[0]) : null;
  }

  async forRequests(ids: readonly string[]): Promise<Feedback[]> {
    if (ids.length === 0) return [];
    const r = await this.pool.query<FeedbackRow>(
      `SELECT * FROM ${this.s}.feedback WHERE request_id = ANY($1::text[])`,
      [ids],
    );
    return r.rows.map(feedbackOf);
  }
}

function where(f: EvaluationFilter): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const add = (expr: string, v: string | number) => {
    params.push(v);
    parts.push(`${expr} $${params.length}`);
  };
  if (f.feature !== undefined) add('feature =', f.feature);
  if (f.tactic !== undefined) add('tactic =', f.tactic);
  if (f.decided) parts.push("verdict <> 'none'");
  if (f.from !== undefined) add('ts >=', Math.floor(f.from));
  if (f.to !== undefined) add('ts <', Math.ceil(f.to));
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

class PgEvaluationStore implements EvaluationStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  async put(e: Evaluation): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.evaluations (request_id, evaluation_id, ts, feature, tactic, arm, verdict, method, score, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (request_id) DO UPDATE SET evaluation_id = EXCLUDED.evaluation_id, ts = EXCLUDED.ts,
         feature = EXCLUDED.feature, tactic = EXCLUDED.tactic, arm = EXCLUDED.arm, verdict = EXCLUDED.verdict,
         method = EXCLUDED.method, score = EXCLUDED.score, error = EXCLUDED.error`,
      [e.requestId, e.evaluationId, e.ts, e.feature, e.tactic, e.arm, e.verdict, e.method, e.score, e.error],
    );
  }

  async get(requestId: string): Promise<Evaluation | null> {
    const r = await this.pool.query<EvaluationRow>(
      `SELECT * FROM ${this.s}.evaluations WHERE request_id = $1`,
      [requestId],
    );
    return r.rows[0] ? evaluationOf(r.rows[0]) : null;
  }

  async list(f: EvaluationFilter = {}): Promise<Evaluation[]> {
    const w = where(f);
    const limit = f.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(f.limit))}` : '';
    const r = await this.pool.query<EvaluationRow>(
      `SELECT * FROM ${this.s}.evaluations${w.sql} ORDER BY ts DESC, request_id DESC${limit}`,
      w.params,
    );
    return r.rows.map(evaluationOf);
  }

  async recordSwitch(x: GuardSwitch): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.guard_switches (ts, feature, tactic, mode, agree, n, lower, floor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [x.ts, x.feature, x.tactic, x.mode, x.agree, x.n, x.lower, x.floor],
    );
  }

  async switches(f: Pick<EvaluationFilter, 'feature' | 'from' | 'limit'> = {}): Promise<GuardSwitch[]> {
    const w = where({
      ...(f.feature !== undefined ? { feature: f.feature } : {}),
      ...(f.from !== undefined ? { from: f.from } : {}),
    });
    const limit = f.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(f.limit))}` : '';
    const r = await this.pool.query<{
      ts: string;
      feature: string;
      tactic: string;
      mode: 'shadow' | 'active';
      agree: number;
      n: number;
      lower: number;
      floor: number;
    }>(
      `SELECT ts, feature, tactic, mode, agree, n, lower, floor FROM ${this.s}.guard_switches${w.sql} ORDER BY seq DESC${limit}`,
      w.params,
    );
    return r.rows.map((x) => ({ ...x, ts: Number(x.ts) }));
  }
}

export async function openPgQualityStores(opts: {
  url: string;
  schema?: string;
  onError?: (e: Error) => void;
}): Promise<QualityStores> {
  const schema = opts.schema ?? 'public';
  const pool = createPool({
    url: opts.url,
    max: 2,
    applicationName: 'penny-quality',
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  try {
    await migrate(pool, schema, QUALITY_MIGRATIONS);
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
  const s = quoteSchema(schema);
  return {
    experiments: new PgExperimentStateStore(pool, s),
    feedback: new PgFeedbackStore(pool, s),
    evaluations: new PgEvaluationStore(pool, s),
    close: () => pool.end(),
  };
}

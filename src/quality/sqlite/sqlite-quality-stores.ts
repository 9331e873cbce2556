/** The quality stores over one SQLite file (see quality-db.ts). Statements are prepared once. */
import type Database from 'better-sqlite3';
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

export class SqliteExperimentStateStore implements ExperimentStateStore {
  constructor(private readonly db: Database.Database) {}

  async stop(s: ExperimentStop): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO experiment_stops (name, arm, stopped_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET arm = excluded.arm, stopped_at = excluded.stopped_at',
      )
      .run(s.name, s.arm, s.stoppedAt);
  }

  async resume(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM experiment_stops WHERE name = ?').run(name).changes > 0;
  }

  async list(): Promise<ExperimentStop[]> {
    const rows = this.db
      .prepare('SELECT name, arm, stopped_at FROM experiment_stops ORDER BY name')
      .all() as {
      name: string;
      arm: string;
      stopped_at: number;
    }[];
    return rows.map((r) => ({ name: r.name, arm: r.arm, stoppedAt: r.stopped_at }));
  }
}

export class SqliteFeedbackStore implements FeedbackStore {
  constructor(private readonly db: Database.Database) {}

  async put(f: Feedback): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO feedback (request_id, key_id, ts, score, label, thumbs, comment) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (request_id) DO UPDATE SET key_id = excluded.key_id, ts = excluded.ts, score = excluded.score,
           label = excluded.label, thumbs = excluded.thumbs, comment = excluded.comment`,
      )
      .run(f.requestId, f.keyId, f.ts, f.score, f.label, f.thumbs, f.comment);
  }

  async get(requestId: string): Promise<Feedback | null> {
    const r = this.db.prepare('SELECT * FROM feedback WHERE request_id = ?').get(requestId) as
      | FeedbackRow
      | undefined;
    return r ? feedbackOf(r) : null;
  }

  async forRequests(ids: readonly string[]): Promise<Feedback[]> {
    const out: Feedback[] = [];
    // SQLite's bound-parameter limit: query in chunks.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT * FROM feedback WHERE request_id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as FeedbackRow[];
      out.push(...rows.map(feedbackOf));
    }
    return out;
  }
}

function where(f: EvaluationFilter): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (f.feature !== undefined) {
    parts.push('feature = ?');
    params.push(f.feature);
  }
  if (f.tactic !== undefined) {
    parts.push('tactic = ?');
    params.push(f.tactic);
  }
  if (f.decided) parts.push("verdict <> 'none'");
  if (f.from !== undefined) {
    parts.push('ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    parts.push('ts < ?');
    params.push(f.to);
  }
  return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

export class SqliteEvaluationStore implements EvaluationStore {
  constructor(private readonly db: Database.Database) {}

  async put(e: Evaluation): Promise<void> {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO evaluations (request_id, evaluation_id, ts, feature, tactic, arm, verdict, method, score, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.requestId,
        e.evaluationId,
        e.ts,
        e.feature,
        e.tactic,
        e.arm,
        e.verdict,
        e.method,
        e.score,
        e.error,
      );
  }

  async get(requestId: string): Promise<Evaluation | null> {
    const r = this.db.prepare('SELECT * FROM evaluations WHERE request_id = ?').get(requestId) as
      | EvaluationRow
      | undefined;
    return r ? evaluationOf(r) : null;
  }

  async list(f: EvaluationFilter = {}): Promise<Evaluation[]> {
    const w = where(f);
    const limit = f.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(f.limit))}` : '';
    const rows = this.db
      .prepare(`SELECT * FROM evaluations${w.sql} ORDER BY ts DESC, rowid DESC${limit}`)
      .all(...w.params) as EvaluationRow[];
    return rows.map(evaluationOf);
  }

  async recordSwitch(s: GuardSwitch): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO guard_switches (ts, feature, tactic, mode, agree, n, lower, floor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(s.ts, s.feature, s.tactic, s.mode, s.agree, s.n, s.lower, s.floor);
  }

  async switches(f: Pick<EvaluationFilter, 'feature' | 'from' | 'limit'> = {}): Promise<GuardSwitch[]> {
    const w = where({
      ...(f.feature !== undefined ? { feature: f.feature } : {}),
      ...(f.from !== undefined ? { from: f.from } : {}),
    });
    const limit = f.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(f.limit))}` : '';
    const rows = this.db
      .prepare(
        `SELECT ts, feature, tactic, mode, agree, n, lower, floor FROM guard_switches${w.sql} ORDER BY seq DESC${limit}`,
      )
      .all(...w.params) as GuardSwitch[];
    return rows;
  }
}

export function sqliteQualityStores(db: Database.Database): QualityStores {
  return {
    experiments: new SqliteExperimentStateStore(db),
    feedback: new SqliteFeedbackStore(db),
    evaluations: new SqliteEvaluationStore(db),
    async close() {
      db.close();
    },
  };
}

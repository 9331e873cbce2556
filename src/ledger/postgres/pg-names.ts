/** Names shared by the PostgreSQL ledger's schema, rollups and queries. */

export const TABLE = 'ledger_entries';

/** The expression every model filter and group uses; the expression index on it matches it verbatim. */
export const MODEL_EXPR = 'COALESCE(served_model, requested_model)';

/** A UTC day, ms: the day group key and the user rollup's bucket. */
export const DAY_MS = 86_400_000;

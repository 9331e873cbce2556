/**
 * The import-graph check run by `npm test` (`npm run check:imports`): no import cycle anywhere under
 * src/, and arrows only point inward — from higher folders (cli, server, app) down to lower ones
 * (core). Layers, lowest first:
 *   core                                  imports nothing of ours
 *   pricing, tokens, providers, ledger    import core (and each other), never pipeline/server/cli
 *   pipeline                              never server/cli
 *   governance, quality, batch, conversations, embeddings, completions, endpoints, prompts-store
 *                                         (the round-2 domains) never server/cli; nothing below the
 *                                         pipeline imports them
 * The layer rules apply to the shipped modules; a test (*.test.ts) may reach across layers to check
 * how they fit together. Cycles are forbidden everywhere.
 */
const TEST = '\\.test\\.ts$';
const DOMAINS = '(governance|quality|batch|conversations|embeddings|completions|endpoints|prompts-store)';
const HIGH_FOR_ADAPTERS = `^src/(pipeline|server|cli|${DOMAINS.slice(1, -1)})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Import cycles make load order matter and hide which module owns a decision.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'registry-not-imported-by-stages',
      severity: 'error',
      comment:
        'pipeline/stages.ts is the stage registry: it imports the stages; stages import the contract (stage.ts, stage-deps.ts).',
      from: { path: '^src/pipeline/', pathNot: ['^src/pipeline/stages\\.ts$', TEST] },
      to: { path: '^src/pipeline/stages\\.ts$' },
    },
    {
      name: 'settle-below-stages',
      severity: 'error',
      comment: 'Settle prices facts; it never imports a stage or the execute step (they import its facts).',
      from: { path: '^src/pipeline/settle/', pathNot: TEST },
      to: { path: '^src/pipeline/(cache|cascade|compress|early-stop|execute|prompt-cache|route|shape|shortcut|stream)/' },
    },
    {
      name: 'core-imports-nothing',
      severity: 'error',
      comment: 'src/core holds the canonical types and money: it imports no other folder of ours.',
      from: { path: '^src/core/', pathNot: TEST },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'adapters-not-up',
      severity: 'error',
      comment: 'pricing, tokens, providers and ledger are below the pipeline, server and CLI.',
      from: { path: '^src/(pricing|tokens|providers|ledger)/', pathNot: TEST },
      to: { path: HIGH_FOR_ADAPTERS },
    },
    {
      name: 'pipeline-not-up',
      severity: 'error',
      comment: 'The pipeline is below the HTTP server and the CLI.',
      from: { path: '^src/pipeline/', pathNot: TEST },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'domains-not-up',
      severity: 'error',
      comment: 'The domain folders (budgets, quality, batching, conversations, endpoints) are below the HTTP server and the CLI.',
      from: { path: `^src/${DOMAINS}/`, pathNot: TEST },
      to: { path: '^src/(server|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

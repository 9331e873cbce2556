/** `penny serve`: starts the gateway, says plainly what it serves, and flushes the ledger on SIGTERM/SIGINT. */
import { startPenny } from '../app.js';
import { describeLedger } from '../ledger/open-ledger.js';

export async function serveCommand(o: {
  port?: number;
  host?: string;
  config?: string;
  ledger?: string;
}): Promise<void> {
  const overrides = {
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.ledger ? { ledgerPath: o.ledger } : {}),
  };
  const app = await startPenny({ ...(o.config ? { file: o.config } : {}), overrides });
  const out = (s: string) => process.stderr.write(`${s}\n`);
  // Handlers first: a SIGTERM that arrives once "listening" is printed (a supervisor, a test) must drain,
  // not meet the default action and kill the process outright.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      out(`Penny: second ${signal} — cutting the answers still in flight (recorded as shutdown_cut)…`);
      app.cutNow();
      return;
    }
    stopping = true;
    out(
      `Penny: ${signal} received — no new requests; finishing in-flight answers (up to ${app.loaded.config.server.shutdownGraceMs} ms) and flushing the ledger…`,
    );
    app.close().then(
      () => process.exit(0),
      (e) => {
        out(`Penny: shutdown error: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  out(`Penny listening on ${app.url}`);
  out(`  OpenAI:    base URL ${app.url}/v1        (POST /v1/chat/completions)`);
  out(`  Anthropic: base URL ${app.url}           (POST /v1/messages)`);
  out(`  Ledger:    ${describeLedger(app.loaded)}`);
  out(`  Dashboard: ${app.url}/dashboard    Metrics: ${app.url}/metrics`);
  if (app.gateway.simulated) {
    out(
      '  No provider is configured: answers come from the built-in SIMULATED upstream (marked x-penny-simulated: true',
    );
    out(
      '  and "simulated" in the ledger). To call real models, set OPENAI_API_KEY and/or ANTHROPIC_API_KEY, or add',
    );
    out('  providers to penny.config.yaml (see README), then restart.');
  } else {
    for (const p of app.loaded.providers)
      out(
        `  Provider:  ${p.name} (${p.type}) ${p.baseUrl}${p.apiKey ? '' : ' — no key configured; clients must send their own'}`,
      );
  }
}

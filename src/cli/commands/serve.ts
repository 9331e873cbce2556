import { Option } from 'commander';
import { defineCommand } from './command.js';
import { configOption, ledgerOption, parsePort } from './shared.js';

export const serve = defineCommand('serve', (program) => {
  program
    .command('serve')
    .description('start the gateway (OpenAI /v1/chat/completions and Anthropic /v1/messages)')
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (default: $PORT or 8787)').argParser(parsePort),
    )
    .addOption(
      new Option(
        '--host <host>',
        'address to listen on (default: $PENNY_HOST or 127.0.0.1; beyond loopback needs a token)',
      ),
    )
    .addOption(configOption())
    .addOption(ledgerOption())
    .action(async (o: { port?: number; host?: string; config?: string; ledger?: string }) => {
      const { serveCommand } = await import('../serve.js');
      await serveCommand(o);
    });
});

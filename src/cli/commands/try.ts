/**
 * `penny try`: sends one chat request to a running gateway and prints the answer, the model that served
 * it, its cost and its request id — a first request that needs no SDK installed, from any folder.
 */
import { InvalidArgumentError } from 'commander';
import { defineCommand } from './command.js';

export const tryIt = defineCommand('try', (program) => {
  program
    .command('try [message]')
    .description('send one request to a running Penny and show the answer, its cost and its ledger id')
    .option('--url <url>', 'Penny address', process.env.PENNY_URL ?? 'http://127.0.0.1:8787')
    .option('--model <model>', 'model to ask', 'gpt-4o-mini')
    .option('--feature <name>', 'feature to attribute the request to', 'try')
    .option('--key <token>', 'Penny token, when the gateway requires one (else $PENNY_KEY)')
    .action(
      async (
        message: string | undefined,
        o: { url: string; model: string; feature: string; key?: string },
      ) => {
        let base: URL;
        try {
          base = new URL(o.url);
        } catch {
          throw new InvalidArgumentError(`--url is not a URL: ${o.url}`);
        }
        const key = o.key ?? process.env.PENNY_KEY;
        const body = {
          model: o.model,
          messages: [{ role: 'user', content: message ?? 'Hello! What does Penny do?' }],
        };
        let res: Response;
        try {
          res = await fetch(new URL('/v1/chat/completions', base), {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-penny-feature': o.feature,
              ...(key ? { 'x-penny-key': key } : {}),
            },
            body: JSON.stringify(body),
          });
        } catch {
          process.stderr.write(
            `penny: nothing answers at ${base.origin}: start it with \`penny serve\` (or pass --url)\n`,
          );
          process.exitCode = 2;
          return;
        }
        const json = (await res.json().catch(() => ({}))) as {
          choices?: Array<{ message?: { content?: string | null } }>;
          error?: { message?: string };
        };
        if (!res.ok) {
          process.stderr.write(`penny: ${res.status}: ${json.error?.message ?? 'request failed'}\n`);
          process.exitCode = 1;
          return;
        }
        const h = (n: string) => res.headers.get(n) ?? '?';
        const lines = [
          json.choices?.[0]?.message?.content ?? '',
          '',
          `model ${h('x-penny-model')} via ${h('x-penny-provider')}${res.headers.get('x-penny-simulated') ? ' (simulated: no provider configured)' : ''}`,
          `cost  $${h('x-penny-cost-usd')}   ledger id ${h('x-penny-request-id')}   feature "${o.feature}"`,
          'See it with `penny report` or on the dashboard.',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
});

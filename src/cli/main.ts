/**
 * The `penny` command line. Each command is declared in its own file under commands/ and listed once
 * in commands/index.ts; a command's implementation is imported only when it runs, so `penny --help`
 * stays instant. Every command is a thin shell over the library's public API.
 */
import { Command } from 'commander';
import { ConfigError, PennyError } from '../core/errors.js';
import { commands } from './commands/index.js';

const VERSION = '0.1.0';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('penny')
    .description(
      'Penny — an LLM cost gateway: cuts OpenAI and Anthropic bills and proves every dollar it saved.',
    )
    .version(VERSION)
    .showHelpAfterError();
  for (const command of commands) command.register(program);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof PennyError) {
      process.stderr.write(`penny: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

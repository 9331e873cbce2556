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
    const hint = systemErrorHint(e);
    if (hint) {
      process.stderr.write(`penny: ${hint}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** One line saying what to do, for the operating-system errors a user's own setup causes; else undefined. */
export function systemErrorHint(e: unknown): string | undefined {
  const err = e as { code?: unknown; address?: unknown; port?: unknown; path?: unknown; message?: unknown };
  const where = err.port !== undefined ? `${String(err.address ?? '')}:${String(err.port)}` : '';
  switch (err.code) {
    case 'EADDRINUSE':
      return `${where || 'the port'} is already in use: stop the other process, or pick another port with --port (or server.port in the config)`;
    case 'EACCES':
    case 'EPERM':
      return err.port !== undefined
        ? `no permission to listen on ${where}: use a port above 1023 with --port`
        : `no permission to use ${String(err.path ?? 'a file')}: check its permissions or choose another path`;
    case 'EADDRNOTAVAIL':
      return `${where} is not an address of this machine: check --host (or server.host)`;
    case 'ENOENT':
      return `no such file: ${String(err.path ?? err.message)}`;
    case 'EISDIR':
      return `${String(err.path ?? 'the path')} is a directory, not a file`;
    default:
      return undefined;
  }
}

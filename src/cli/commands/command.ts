/**
 * What one `penny` command file provides: a function that declares the command (name, options,
 * help) on the program. The declaration imports only commander; the command's implementation is
 * imported inside its action, so `penny --help` never loads it.
 */
import type { Command } from 'commander';

export interface CliCommand {
  /** The name typed after `penny` (also the help order key). */
  readonly name: string;
  register(program: Command): void;
}

export function defineCommand(name: string, register: (program: Command) => void): CliCommand {
  return { name, register };
}

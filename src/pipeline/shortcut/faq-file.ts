/**
 * The FAQ file: a list of entries, each with question variants and one answer, in YAML or JSON — either a
 * top-level list or `{ entries: [...] }`. Read and validated once at start-up; every mistake is reported
 * with the entry (index and id) and the field, e.g. `shortcut.faqFile: entries[2] ("refunds").answer: …`.
 * The YAML parser is loaded only when a YAML file is read: importing it costs every gateway ~1.1 MB of heap
 * (72 modules), and most never configure an FAQ file.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';

export const faqEntrySchema = z.strictObject({
  id: z.string().min(1),
  questions: z
    .array(z.string().trim().min(3, 'a question needs at least 3 characters'))
    .min(1, 'needs at least one question'),
  answer: z.string().trim().min(1, 'must not be empty'),
});

export type FaqEntry = z.output<typeof faqEntrySchema>;

const fileSchema = z.union([z.array(z.unknown()), z.strictObject({ entries: z.array(z.unknown()) })]);

/** Validates parsed FAQ data; `where` names the source in error messages. */
export function parseFaq(data: unknown, where = 'shortcut.faqFile'): FaqEntry[] {
  const top = fileSchema.safeParse(data);
  if (!top.success) throw new ConfigError(where, 'must be a list of entries or { entries: [...] }');
  const raw = Array.isArray(top.data) ? top.data : top.data.entries;
  const out: FaqEntry[] = [];
  const ids = new Set<string>();
  raw.forEach((item, i) => {
    const id =
      item !== null && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string'
        ? ` ("${(item as { id: string }).id}")`
        : '';
    const r = faqEntrySchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      throw new ConfigError(where, `entries[${i}]${id}${field}: ${issue.message}`);
    }
    if (ids.has(r.data.id)) throw new ConfigError(where, `entries[${i}]${id}.id: duplicate id`);
    ids.add(r.data.id);
    out.push(r.data);
  });
  return out;
}

const require = createRequire(import.meta.url);
const yaml = () => require('yaml') as typeof import('yaml');

export function loadFaqFile(path: string): FaqEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('shortcut.faqFile', `cannot read ${path}: ${(e as Error).message}`, e);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  } catch (e) {
    throw new ConfigError(
      'shortcut.faqFile',
      `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      e,
    );
  }
  return parseFaq(data);
}

/** Dialect name → codec, derived from the provider modules (modules.ts). */
import type { Dialect } from '../core/request.js';
import type { DialectCodec } from './dialect.js';
import { DIALECTS, PROVIDER_MODULES } from './modules.js';

export const CODECS: Readonly<Record<Dialect, DialectCodec>> = Object.fromEntries(
  DIALECTS.map((d) => [d, PROVIDER_MODULES[d].codec]),
) as Record<Dialect, DialectCodec>;

/**
 * The credentials of an `Authorization: Bearer …` value (scheme case-insensitive, trimmed), or undefined.
 * The usual spelling, `Bearer ` with one space, is read without a regex (this runs on every request).
 */
export function bearerToken(auth: string | undefined): string | undefined {
  if (!auth) return undefined;
  if (auth.startsWith('Bearer ')) return auth.length > 7 ? auth.slice(7).trim() : undefined;
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m ? m[1]!.trim() : undefined;
}

/** Where the body store lives: a SQLite file beside the ledger (`ledger.db` → `ledger.bodies.db`). */
export function bodiesPathFor(ledgerPath: string): string {
  if (ledgerPath === ':memory:' || ledgerPath === '') return ':memory:';
  return ledgerPath.endsWith('.db') ? `${ledgerPath.slice(0, -3)}.bodies.db` : `${ledgerPath}.bodies.db`;
}

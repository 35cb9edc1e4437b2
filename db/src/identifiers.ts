// Identifiers in SQL text come from our own whitelists (table and column names in code), never from
// user strings; quoting still guards against a name that is a keyword or has capitals.

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`refusing unusual SQL identifier "${name}"`);
  return `"${name}"`;
}

/** `schema.table` with both parts quoted. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

/** LISTEN channels are identifiers we choose, never user input; this keeps it that way. */
export function assertChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid notification channel "${channel}"`);
}

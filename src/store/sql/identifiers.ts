/** Quotes an SQL identifier (a schema name from configuration or a test), doubling inner quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

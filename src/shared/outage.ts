/** Network error codes that mean "the store or Redis is unreachable", not "the request is wrong". */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_LOCKED']);

// pg's own messages for a lost or unobtainable connection (they carry no SQLSTATE).
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|Query read timeout/i;

/**
 * True when an error is an outage of a backing service (PostgreSQL, SQLite busy, Redis): the caller
 * should get 503 `unavailable` and retry, not a 500. SQLSTATE classes 08 (connection exception),
 * 57P (operator intervention: shutdown, cannot connect now) and 53 (insufficient resources) count.
 */
export function isOutage(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NET_CODES.has(code) || /^(08|57P|53)[0-9A-Z]{2,3}$/.test(code))) return true;
  return typeof message === 'string' && PG_MESSAGES.test(message);
}

import { invalid } from './errors.js';

/** Encodes a keyset position as an opaque cursor (base64url JSON). */
function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a cursor made by encodeCursor; a tampered or foreign cursor is a 400 naming `cursor`. */
export function decodeCursor<K extends string>(cursor: string | undefined, fields: Record<K, 'string' | 'number'>): Record<K, string | number> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  const out = {} as Record<K, string | number>;
  for (const [name, type] of Object.entries(fields) as Array<[K, 'string' | 'number']>) {
    const v = (parsed as Record<string, unknown>)[name];
    if (typeof v !== type || (type === 'string' && (v as string).length > 200)) {
      throw invalid([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
    }
    out[name] = v as string | number;
  }
  return out;
}

/** Splits an over-fetched page (limit + 1 rows) into the page and the cursor of its last row. */
export function pageOf<T>(rows: T[], limit: number, key: (last: T) => Record<string, string | number>): { data: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { data: rows, nextCursor: null };
  const data = rows.slice(0, limit);
  return { data, nextCursor: encodeCursor(key(data[data.length - 1])) };
}

/** A change-feed page: like pageOf, plus `resumeCursor` (after the last item, or the cursor given) to poll for later changes. */
export function feedPageOf<T>(rows: T[], limit: number, key: (last: T) => Record<string, string | number>, given: string | undefined): { data: T[]; nextCursor: string | null; resumeCursor: string | null } {
  const page = pageOf(rows, limit, key);
  const resumeCursor = page.data.length > 0 ? encodeCursor(key(page.data[page.data.length - 1])) : given || null;
  return { ...page, resumeCursor };
}

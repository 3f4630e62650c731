import { CompiledQuery, PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** True when `ex` runs on PostgreSQL. */
export function onPostgres(ex: Kysely<Database>): boolean {
  return ex.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * SQLite's `column IN (values)` with the whole list as one bound value (`json_each(?)`): the SQL text is the same
 * whatever the count, so the store keeps it prepared, and the query builder compiles a handful of nodes instead
 * of one per value. (PostgreSQL look-ups by many keys drive a LATERAL join instead: see the members repository.)
 */
export function sqliteIn(column: string, values: string[]) {
  return sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

const insertSql = new Map<string, string>();

/** A multi-row INSERT as SQL text with placeholders for the engine (`?` for SQLite, `$n` for PostgreSQL); texts are cached by shape. */
export function bulkInsert(ex: Kysely<Database>, table: string, columns: readonly string[], rows: unknown[][]): CompiledQuery {
  const postgres = onPostgres(ex);
  const shape = `${postgres ? 'pg' : 'lite'}:${table}:${columns.length}:${rows.length}`;
  let text = insertSql.get(shape);
  if (text === undefined) {
    let n = 0;
    const tuples = rows.map(() => `(${columns.map(() => (postgres ? `$${++n}` : '?')).join(',')})`);
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}`;
    if (insertSql.size < 64) insertSql.set(shape, text);
  }
  // A plain loop: Array.prototype.flat was the costliest JavaScript of a bulk import.
  const params: unknown[] = new Array<unknown>(rows.length * columns.length);
  let k = 0;
  for (const r of rows) for (let i = 0; i < columns.length; i++) params[k++] = r[i];
  return CompiledQuery.raw(text, params);
}

/**
 * SQLite statements up to this long are kept prepared by the store (db/client.ts): a multi-row INSERT of more
 * rows would be compiled afresh every time, which cost as much as running it.
 */
const SQLITE_CACHED_SQL = 2000;

/**
 * The PostgreSQL array type of a column's values: `null` when every value is null (the column is then written as
 * a plain NULL, which takes the column's type), undefined when they mix kinds (then `VALUES` is used).
 */
function arrayType(values: unknown[]): string | null | undefined {
  let text = false;
  let bool = false;
  let int = false;
  let float = false;
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'string') text = true;
    else if (typeof v === 'boolean') bool = true;
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) int = true;
      else float = true;
    } else return undefined;
  }
  if (Number(text) + Number(bool) + Number(int || float) > 1) return undefined;
  return text ? 'text[]' : bool ? 'bool[]' : float ? 'float8[]' : int ? 'int8[]' : null;
}

/**
 * Inserts `rows` (values in `columns` order) in as few statements as the engine does best. PostgreSQL: one
 * statement, each column one array parameter (`unnest`), whatever the row count — a thousand-row `VALUES` list
 * is thousands of parameters to bind and plan. SQLite: multi-row `VALUES` statements short enough to stay
 * prepared, so a batch of a thousand rows compiles no SQL after its first.
 */
export async function insertRows(ex: Kysely<Database>, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  if (onPostgres(ex)) {
    const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const types = arrays.map(arrayType);
    if (types.every((t) => t !== undefined) && types.some((t) => t !== null)) {
      const params: unknown[][] = [];
      const args: string[] = [];
      const select = types.map((t, i) => {
        if (t === null) return 'null';
        params.push(arrays[i]);
        args.push(`$${params.length}::${t}`);
        return `u.c${params.length}`;
      });
      const names = args.map((_, i) => `c${i + 1}`).join(',');
      const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) select ${select.join(',')} from unnest(${args.join(',')}) as u(${names})`;
      await ex.executeQuery(CompiledQuery.raw(text, params));
      return;
    }
    for (const part of chunks(rows, Math.floor(30_000 / columns.length))) await ex.executeQuery(bulkInsert(ex, table, columns, part));
    return;
  }
  const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values `.length;
  const perRow = columns.length * 2 + 2;
  const size = Math.max(1, Math.floor((SQLITE_CACHED_SQL - head) / perRow));
  for (const part of chunks(rows, size)) await ex.executeQuery(bulkInsert(ex, table, columns, part));
}

// Keeps every statement under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 1000;
export function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

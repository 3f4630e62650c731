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

/** Element types of the arrays a bulk write sends, with their PostgreSQL type OIDs. */
const ELEMENT_OIDS = { text: 25, bool: 16, int8: 20, float8: 701 } as const;
type ElementType = keyof typeof ELEMENT_OIDS;

/**
 * The PostgreSQL element type of a column's values: `null` when every value is null (the column is then written
 * as a plain NULL, which takes the column's type), undefined when they mix kinds (then `VALUES` is used).
 */
function elementType(values: unknown[]): ElementType | null | undefined {
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
  return text ? 'text' : bool ? 'bool' : float ? 'float8' : int ? 'int8' : null;
}

const TWO_32 = 2 ** 32;

/**
 * A one-dimensional PostgreSQL array in the binary wire format (a Buffer parameter is sent as binary: the server
 * reads it with array_recv), for a `$n::<type>[]` parameter. pg would otherwise write an array literal, quoting
 * and escaping every element with two regular expressions, and the server would parse it back: for an import
 * batch that was a fifth of the Node process's time in the transaction. Values must be of `type` or null.
 */
export function pgArray(values: readonly unknown[], type: ElementType): Buffer {
  let bound = 20 + 4 * values.length;
  for (const v of values) if (v !== null) bound += type === 'text' ? 3 * (v as string).length : 8;
  // Written in a scratch buffer (UTF-8 takes up to 3 bytes a UTF-16 unit) and copied out at its exact size.
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
  const buf = scratch;
  let hasNull = 0;
  let at = 20;
  for (const v of values) {
    if (v === null) {
      hasNull = 1;
      buf.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    if (type === 'text') {
      const n = buf.write(v as string, at + 4, 'utf8');
      buf.writeInt32BE(n, at);
      at += 4 + n;
    } else if (type === 'int8') {
      const hi = Math.floor((v as number) / TWO_32);
      buf.writeInt32BE(8, at);
      buf.writeInt32BE(hi, at + 4);
      buf.writeUInt32BE((v as number) - hi * TWO_32, at + 8);
      at += 12;
    } else if (type === 'float8') {
      buf.writeInt32BE(8, at);
      buf.writeDoubleBE(v as number, at + 4);
      at += 12;
    } else {
      buf.writeInt32BE(1, at);
      buf[at + 4] = v ? 1 : 0;
      at += 5;
    }
  }
  buf.writeInt32BE(1, 0); // dimensions
  buf.writeInt32BE(hasNull, 4);
  buf.writeInt32BE(ELEMENT_OIDS[type], 8);
  buf.writeInt32BE(values.length, 12);
  buf.writeInt32BE(1, 16); // lower bound
  return Buffer.from(buf.subarray(0, at));
}
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Inserts `rows` (values in `columns` order) in as few statements as the engine does best. PostgreSQL: one
 * statement, each column one binary array parameter (`unnest`; see pgArray), whatever the row count — a
 * thousand-row `VALUES` list is thousands of parameters to bind and plan. SQLite: multi-row `VALUES` statements short enough to stay
 * prepared, so a batch of a thousand rows compiles no SQL after its first.
 */
export async function insertRows(ex: Kysely<Database>, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  if (onPostgres(ex)) {
    const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const types = arrays.map(elementType);
    if (types.every((t) => t !== undefined) && types.some((t) => t !== null)) {
      const params: Buffer[] = [];
      // unnest() in the select list, not in FROM: the arrays (all of one length) are read in step without first
      // being copied into a tuplestore, which cost the server ~4 µs a row of an import (6 of 6 paired runs).
      const select = types.map((t, i) => {
        if (t === null) return 'null';
        params.push(pgArray(arrays[i], t));
        return `unnest($${params.length}::${t}[])`;
      });
      const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) select ${select.join(',')}`;
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

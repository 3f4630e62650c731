import { CompiledQuery, PostgresAdapter, sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** True when `ex` runs on PostgreSQL. */
export function onPostgres(ex: Kysely<Database>): boolean {
  return ex.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * `column IN (values)`, written `= any($1)` with one array parameter on PostgreSQL: a thousand-item list
 * then costs one bound value instead of a thousand, which PostgreSQL plans much faster.
 */
export function isIn<DB, TB extends keyof DB>(ex: Kysely<Database>, eb: ExpressionBuilder<DB, TB>, column: string, values: string[]) {
  if (onPostgres(ex)) return sql<boolean>`${sql.ref(column)} = any(${values}::text[])`;
  return eb(column as never, 'in', values as never);
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
  return CompiledQuery.raw(text, rows.flat());
}

// Keeps every statement under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 1000;
export function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

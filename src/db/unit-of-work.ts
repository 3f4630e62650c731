import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Hands out repositories bound to one transaction: `transaction(fn)` opens it and calls `fn(tx)`, where every
 * repository of `tx` runs on that transaction. Commits when `fn` resolves, rolls back when it throws.
 */
export interface UnitOfWork<R> {
  transaction<T>(fn: (tx: R) => Promise<T>): Promise<T>;
}

/** A unit of work over `db`: `bind` builds the repositories of a transaction from its executor. */
export function createUnitOfWork<R>(db: Kysely<Database>, bind: (ex: Kysely<Database>) => R): UnitOfWork<R> {
  return {
    transaction: (fn) => db.transaction().execute((trx) => fn(bind(trx))),
  };
}

/**
 * Runs `fn` atomically on `ex`: inside the transaction `ex` already is, or in a new one. For the few repository
 * methods that are several statements yet one operation (usable alone or within a caller's unit of work).
 */
export function atomically<T>(ex: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return ex.isTransaction ? fn(ex) : ex.transaction().execute(fn);
}

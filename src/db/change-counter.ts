import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Reserves `n` consecutive change numbers of a per-environment counter and returns the first.
 * Must run inside the writing transaction: the counter row stays locked until commit, so numbers
 * become visible in the order they were taken and an `updatedSince` feed never skips a row.
 * One statement (an upsert: the counter's first use creates it), so one round trip per reservation.
 */
export async function reserveSeq(trx: Kysely<Database>, environmentId: string, name: string, n = 1): Promise<number> {
  const r = await trx
    .insertInto('change_counters')
    .values({ environment_id: environmentId, name, value: n })
    .onConflict((oc) => oc.columns(['environment_id', 'name']).doUpdateSet((eb) => ({ value: eb('change_counters.value', '+', n) })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(r.value) - n + 1;
}

import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Reserves `n` consecutive change numbers of a per-environment counter and returns the first.
 * Must run inside the writing transaction: the counter row stays locked until commit, so numbers
 * become visible in the order they were taken and an `updatedSince` feed never skips a row.
 */
export async function reserveSeq(trx: Kysely<Database>, environmentId: string, name: string, n = 1): Promise<number> {
  await trx
    .insertInto('change_counters')
    .values({ environment_id: environmentId, name, value: 0 })
    .onConflict((oc) => oc.columns(['environment_id', 'name']).doNothing())
    .execute();
  const r = await trx
    .updateTable('change_counters')
    .set((eb) => ({ value: eb('value', '+', n) }))
    .where('environment_id', '=', environmentId)
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(r.value) - n + 1;
}

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A stored logo's metadata. */
interface LogoMeta {
  id: string;
  environmentId: string;
  sha256: string;
  width: number;
  height: number;
  createdAt: string;
}

/** SQL for uploaded logos (stored re-encoded, in the database so every node can serve them). */
export function createLogosRepository(db: Kysely<Database>) {
  return {
    async insert(l: LogoMeta & { data: Buffer }): Promise<void> {
      await db
        .insertInto('logos')
        .values({ id: l.id, environment_id: l.environmentId, sha256: l.sha256, content_type: 'image/png', width: l.width, height: l.height, data: l.data, created_at: l.createdAt })
        .execute();
    },
    async find(id: string, environmentId: string): Promise<LogoMeta | undefined> {
      const r = await db
        .selectFrom('logos')
        .select(['id', 'environment_id', 'sha256', 'width', 'height', 'created_at'])
        .where('id', '=', id)
        .where('environment_id', '=', environmentId)
        .executeTakeFirst();
      return r && { id: r.id, environmentId: r.environment_id, sha256: r.sha256, width: r.width, height: r.height, createdAt: r.created_at };
    },
    async shaOf(ids: string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom('logos').select(['id', 'sha256']).where('id', 'in', ids).execute();
      return new Map(rows.map((r) => [r.id, r.sha256]));
    },
    async dataBySha(sha256: string): Promise<Buffer | undefined> {
      const r = await db.selectFrom('logos').select('data').where('sha256', '=', sha256).limit(1).executeTakeFirst();
      return r ? Buffer.from(r.data) : undefined;
    },
  };
}
export type LogosRepository = ReturnType<typeof createLogosRepository>;

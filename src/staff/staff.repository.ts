import type { Kysely } from 'kysely';
import type { Database, StaffUsersTable } from '../db/schema.js';

/** A staff user as the services see it (never the password hash outside this folder). */
export interface StaffUser {
  id: string;
  environmentId: string;
  email: string;
  name: string;
  role: 'admin' | 'staff';
  active: boolean;
  createdAt: string;
}

/** A live console session joined with its user. */
interface SessionRow {
  id: string;
  csrfToken: string;
  expiresAt: string;
  staff: StaffUser;
}

function toStaff(r: Pick<StaffUsersTable, 'id' | 'environment_id' | 'email' | 'name' | 'role' | 'active' | 'created_at'>): StaffUser {
  return { id: r.id, environmentId: r.environment_id, email: r.email, name: r.name, role: r.role, active: r.active === 1, createdAt: r.created_at };
}

/** SQL for staff users and their sessions. */
export function createStaffRepository(db: Kysely<Database>) {
  return {
    async insert(u: StaffUser, passwordHash: string): Promise<void> {
      await db
        .insertInto('staff_users')
        .values({
          id: u.id,
          environment_id: u.environmentId,
          email: u.email,
          name: u.name,
          role: u.role,
          password_hash: passwordHash,
          active: u.active ? 1 : 0,
          created_at: u.createdAt,
        })
        .execute();
    },
    async findByEmail(email: string): Promise<{ user: StaffUser; passwordHash: string } | undefined> {
      const r = await db.selectFrom('staff_users').selectAll().where('email', '=', email).executeTakeFirst();
      return r && { user: toStaff(r), passwordHash: r.password_hash };
    },
    async findByIds(ids: string[]): Promise<StaffUser[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('staff_users').selectAll().where('id', 'in', ids).execute();
      return rows.map(toStaff);
    },
    async insertSession(s: { id: string; staffId: string; csrfToken: string; ip: string | null; createdAt: string; expiresAt: string }): Promise<void> {
      await db
        .insertInto('staff_sessions')
        .values({ id: s.id, staff_id: s.staffId, csrf_token: s.csrfToken, ip: s.ip, created_at: s.createdAt, expires_at: s.expiresAt })
        .execute();
    },
    async findSession(id: string): Promise<SessionRow | undefined> {
      const r = await db
        .selectFrom('staff_sessions as s')
        .innerJoin('staff_users as u', 'u.id', 's.staff_id')
        .select(['s.id as sid', 's.csrf_token', 's.expires_at', 'u.id', 'u.environment_id', 'u.email', 'u.name', 'u.role', 'u.active', 'u.created_at'])
        .where('s.id', '=', id)
        .executeTakeFirst();
      return r && { id: r.sid, csrfToken: r.csrf_token, expiresAt: r.expires_at, staff: toStaff(r) };
    },
    async deleteSession(id: string): Promise<void> {
      await db.deleteFrom('staff_sessions').where('id', '=', id).execute();
    },
    async deleteExpiredSessions(now: string): Promise<void> {
      await db.deleteFrom('staff_sessions').where('expires_at', '<=', now).execute();
    },
  };
}
export type StaffRepository = ReturnType<typeof createStaffRepository>;

import { CompiledQuery, sql, type Compilable, type Kysely } from 'kysely';
import { chunks, insertRows, onPostgres, pgArray, sqliteIn } from '../db/bulk.js';
import { reserveSeq } from '../db/change-counter.js';
import type { Database, MembersTable } from '../db/schema.js';

/** One identifier of a member in another system (e.g. CoursePro's id). */
export interface ExternalRef {
  system: string;
  id: string;
}

/** A member's postal address; every part optional. */
interface MemberAddress {
  line1: string | null;
  line2: string | null;
  town: string | null;
  postcode: string | null;
}

/** A member of an environment (a customer of the leisure centre). */
export interface Member {
  id: string;
  environmentId: string;
  memberNumber: string;
  firstName: string;
  lastName: string;
  email: string;
  dateOfBirth: string | null;
  phone: string | null;
  address: MemberAddress;
  homeSiteId: string | null;
  marketingOptIn: boolean;
  externalRefs: ExternalRef[];
  /** Change number: orders the updatedSince feed; the ETag. */
  seq: number;
  createdAt: string;
  updatedAt: string;
}

function toMember(r: Omit<MembersTable, 'email_lower'>): Member {
  return {
    id: r.id,
    environmentId: r.environment_id,
    memberNumber: r.member_number,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    dateOfBirth: r.date_of_birth,
    phone: r.phone,
    address: { line1: r.address_line1, line2: r.address_line2, town: r.town, postcode: r.postcode },
    homeSiteId: r.home_site_id,
    marketingOptIn: r.marketing_opt_in === 1,
    externalRefs: JSON.parse(r.external_refs) as ExternalRef[],
    seq: Number(r.seq),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const MEMBER_COLUMNS = [
  'id',
  'environment_id',
  'member_number',
  'first_name',
  'last_name',
  'email',
  'email_lower',
  'date_of_birth',
  'phone',
  'address_line1',
  'address_line2',
  'town',
  'postcode',
  'home_site_id',
  'marketing_opt_in',
  'external_refs',
  'seq',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof MembersTable>;

/** A member's column values in MEMBER_COLUMNS order (a bulk insert's row, without an object per member). */
function memberValues(m: Member): unknown[] {
  const a = m.address;
  return [
    m.id,
    m.environmentId,
    m.memberNumber,
    m.firstName,
    m.lastName,
    m.email,
    m.email.toLowerCase(),
    m.dateOfBirth,
    m.phone,
    a.line1,
    a.line2,
    a.town,
    a.postcode,
    m.homeSiteId,
    m.marketingOptIn ? 1 : 0,
    JSON.stringify(m.externalRefs),
    m.seq,
    m.createdAt,
    m.updatedAt,
  ];
}

function toColumns(m: Member): MembersTable {
  const values = memberValues(m);
  return Object.fromEntries(MEMBER_COLUMNS.map((c, i) => [c, values[i]])) as unknown as MembersTable;
}

const REF_COLUMNS = ['environment_id', 'system', 'external_id', 'member_id'] as const;

/** Filters of the member list (all within one environment). */
export interface MemberListQuery {
  limit: number;
  email?: string;
  memberNumber?: string;
  after?: { createdAt: string; id: string };
}

/** What a member is read from: every column but email_lower (an index of the email). */
const READ_COLUMNS = MEMBER_COLUMNS.filter((c): c is Exclude<keyof MembersTable, 'email_lower'> => c !== 'email_lower');

const STAND_IN = '\u0000value:';

/**
 * A query compiled once and then run with values: building and compiling Kysely's query tree cost more than a
 * tenth of serving a page of members. `build` gets a stand-in for each named value (a string no value is), and
 * every compiled parameter must be one, so each run binds exactly the values given, by name.
 */
function prepare<R>(build: (v: (name: string) => never) => Compilable<R>): (values: Record<string, unknown>) => CompiledQuery<R> {
  const compiled = build((name) => (STAND_IN + name) as never).compile();
  const names = compiled.parameters.map((p) => {
    if (typeof p !== 'string' || !p.startsWith(STAND_IN)) throw new Error(`a prepared query has a literal parameter: ${compiled.sql}`);
    return p.slice(STAND_IN.length);
  });
  return (values) => ({ ...compiled, parameters: names.map((n) => values[n]) });
}

/** The entry of `key`, made on first use. */
function shaped<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** SQL for members and their external references. */
export function createMembersRepository(db: Kysely<Database>) {
  // The list's and the feed's queries by which filters they have (at most eight shapes each).
  const listQueries = new Map<string, (values: Record<string, unknown>) => CompiledQuery<Omit<MembersTable, 'email_lower'>>>();
  const feedQueries = new Map<string, (values: Record<string, unknown>) => CompiledQuery<Omit<MembersTable, 'email_lower'>>>();
  /**
   * The environment's members whose `column` is one of `keys`, one index probe per key. On PostgreSQL the keys
   * drive a LATERAL join whose sub-select `OFFSET 0` keeps from being flattened into a plain join: the plan then
   * cannot depend on the table's statistics, which an import's own writes make stale (a table filled by a first
   * import has none). With IN or = ANY lists, or a flattened join, PostgreSQL chose to read all the environment's
   * members for every batch, so each batch of a big import cost more than the one before.
   */
  async function membersWhere(environmentId: string, column: 'member_number' | 'email_lower', keys: string[]): Promise<MembersTable[]> {
    const out: MembersTable[] = [];
    for (const part of chunks([...new Set(keys)])) {
      if (onPostgres(db)) {
        const { rows } = await sql<MembersTable>`
          select m.* from unnest(${pgArray(part, 'text')}::text[]) as k(v)
          cross join lateral (select * from members where environment_id = ${environmentId} and ${sql.ref(column)} = k.v offset 0) as m`.execute(db);
        out.push(...rows);
      } else out.push(...(await db.selectFrom('members').selectAll().where('environment_id', '=', environmentId).where(sqliteIn(column, part)).execute()));
    }
    return out;
  }
  const repo = {
    /** Reserves `n` change numbers of this table's per-environment counter (in a transaction); returns the first. */
    nextSeq(environmentId: string, n = 1): Promise<number> {
      return reserveSeq(db, environmentId, 'members', n);
    },
    /** Reserves `n` generated member numbers (a separate counter); returns the first. */
    nextNumbers(environmentId: string, n = 1): Promise<number> {
      return reserveSeq(db, environmentId, 'member_number', n);
    },
    async insert(m: Member): Promise<void> {
      await repo.insertMany([m]);
    },
    /** Inserts members and their external references, a few multi-row statements per table (see insertRows). */
    async insertMany(members: Member[]): Promise<void> {
      if (members.length === 0) return;
      await insertRows(db, 'members', MEMBER_COLUMNS, members.map(memberValues));
      const refs: unknown[][] = [];
      for (const m of members) for (const r of m.externalRefs) refs.push([m.environmentId, r.system, r.id, m.id]);
      await insertRows(db, 'member_external_refs', REF_COLUMNS, refs);
    },
    /** Overwrites a member's fields (seq and updatedAt included) and re-indexes its external references. */
    async update(m: Member): Promise<void> {
      const { id, environment_id, created_at, ...set } = toColumns(m);
      void created_at;
      await db.updateTable('members').set(set).where('id', '=', id).where('environment_id', '=', environment_id).execute();
      await db.deleteFrom('member_external_refs').where('member_id', '=', id).execute();
      if (m.externalRefs.length > 0) {
        await db
          .insertInto('member_external_refs')
          .values(m.externalRefs.map((r) => ({ environment_id: m.environmentId, system: r.system, external_id: r.id, member_id: m.id })))
          .execute();
      }
    },
    async find(id: string, environmentId: string): Promise<Member | undefined> {
      const r = await db.selectFrom('members').selectAll().where('id', '=', id).where('environment_id', '=', environmentId).executeTakeFirst();
      return r && toMember(r);
    },
    async findByMemberNumber(environmentId: string, memberNumber: string): Promise<Member | undefined> {
      const r = await db
        .selectFrom('members')
        .selectAll()
        .where('environment_id', '=', environmentId)
        .where('member_number', '=', memberNumber)
        .executeTakeFirst();
      return r && toMember(r);
    },
    /** The member holding any of these external references, by `system\u0000id`. */
    async byExternalRefs(environmentId: string, refs: ExternalRef[]): Promise<Map<string, Member>> {
      const out = new Map<string, Member>();
      const pairs = new Map(refs.map((r) => [`${r.system}\u0000${r.id}`, r]));
      for (const part of chunks([...pairs.values()])) {
        let rows: Array<MembersTable & { ref_system: string; ref_id: string }>;
        if (onPostgres(db)) {
          // Driven by the wanted pairs, one primary-key probe each (see membersWhere).
          const systems = part.map((r) => r.system);
          const ids = part.map((r) => r.id);
          rows = (
            await sql<MembersTable & { ref_system: string; ref_id: string }>`
              select m.*, r.system as ref_system, r.external_id as ref_id
              from unnest(${pgArray(systems, 'text')}::text[], ${pgArray(ids, 'text')}::text[]) as k(system, id)
              cross join lateral (select system, external_id, member_id from member_external_refs where environment_id = ${environmentId} and system = k.system and external_id = k.id offset 0) as r
              cross join lateral (select * from members where id = r.member_id offset 0) as m`.execute(db)
          ).rows;
        } else {
          // IN lists keep to the primary key (environment, system, external id); exact pairs are picked below.
          rows = await db
            .selectFrom('member_external_refs as r')
            .innerJoin('members as m', 'm.id', 'r.member_id')
            .selectAll('m')
            .select(['r.system as ref_system', 'r.external_id as ref_id'])
            .where('r.environment_id', '=', environmentId)
            .where('r.system', 'in', [...new Set(part.map((r) => r.system))])
            .where(sqliteIn('r.external_id', part.map((r) => r.id)))
            .execute();
        }
        for (const r of rows) {
          const k = `${r.ref_system}\u0000${r.ref_id}`;
          if (pairs.has(k)) out.set(k, toMember(r));
        }
      }
      return out;
    },
    /** Members by member number. */
    async byMemberNumbers(environmentId: string, numbers: string[]): Promise<Map<string, Member>> {
      const out = new Map<string, Member>();
      for (const r of await membersWhere(environmentId, 'member_number', numbers)) out.set(r.member_number, toMember(r));
      return out;
    },
    /** Members by lower-cased email; several members may share one (families), oldest first. */
    async byEmails(environmentId: string, emailsLower: string[]): Promise<Map<string, Member[]>> {
      const out = new Map<string, Member[]>();
      const rows = await membersWhere(environmentId, 'email_lower', emailsLower);
      rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const r of rows) {
        const list = out.get(r.email_lower) ?? [];
        list.push(toMember(r));
        out.set(r.email_lower, list);
      }
      return out;
    },
    /** The member numbers among `numbers` already taken in the environment. */
    async takenNumbers(environmentId: string, numbers: string[]): Promise<Set<string>> {
      return new Set((await membersWhere(environmentId, 'member_number', numbers)).map((r) => r.member_number));
    },
    /** One page ordered by (created_at, id) after `after`; limit + 1 rows. */
    async list(environmentId: string, q: MemberListQuery): Promise<Member[]> {
      const email = q.email !== undefined;
      const number = q.memberNumber !== undefined;
      const after = q.after !== undefined;
      const query = shaped(listQueries, `${+email}${+number}${+after}`, () =>
        prepare((v) => {
          let query = db.selectFrom('members').select(READ_COLUMNS).where('environment_id', '=', v('environmentId'));
          if (email) query = query.where('email_lower', '=', v('email'));
          if (number) query = query.where('member_number', '=', v('memberNumber'));
          if (after) query = query.where((eb) => eb.or([eb('created_at', '>', v('createdAt')), eb.and([eb('created_at', '=', v('createdAt')), eb('id', '>', v('id'))])]));
          return query.orderBy('created_at').orderBy('id').limit(v('limit'));
        }),
      );
      const values = { environmentId, email: q.email?.toLowerCase(), memberNumber: q.memberNumber, createdAt: q.after?.createdAt, id: q.after?.id, limit: q.limit + 1 };
      return (await db.executeQuery(query(values))).rows.map(toMember);
    },
    /** The change feed: members updated at or after `updatedSince`, in change order after `afterSeq`; limit + 1 rows. */
    async listChanged(environmentId: string, q: { limit: number; updatedSince: string; afterSeq?: number; email?: string; memberNumber?: string }): Promise<Member[]> {
      const email = q.email !== undefined;
      const number = q.memberNumber !== undefined;
      const after = q.afterSeq !== undefined;
      const query = shaped(feedQueries, `${+email}${+number}${+after}`, () =>
        prepare((v) => {
          let query = db.selectFrom('members').select(READ_COLUMNS).where('environment_id', '=', v('environmentId')).where('updated_at', '>=', v('updatedSince'));
          if (email) query = query.where('email_lower', '=', v('email'));
          if (number) query = query.where('member_number', '=', v('memberNumber'));
          if (after) query = query.where('seq', '>', v('afterSeq'));
          return query.orderBy('seq').limit(v('limit'));
        }),
      );
      const values = { environmentId, updatedSince: q.updatedSince, email: q.email?.toLowerCase(), memberNumber: q.memberNumber, afterSeq: q.afterSeq, limit: q.limit + 1 };
      return (await db.executeQuery(query(values))).rows.map(toMember);
    },
    async count(environmentId: string): Promise<number> {
      const r = await db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).where('environment_id', '=', environmentId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
  return repo;
}
export type MembersRepository = ReturnType<typeof createMembersRepository>;

import type { ExternalRef, Member } from './members.repository.js';

/** Formats the n-th generated member number. */
export function memberNumberOf(n: number): string {
  return `M${String(n).padStart(7, '0')}`;
}

/** An external reference as one key (`system NUL id`). */
export function refKey(r: ExternalRef): string {
  return `${r.system}\u0000${r.id}`;
}

/** The references without repeats, first occurrence kept. */
export function dedupeRefs(refs: ExternalRef[]): ExternalRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = refKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Member data as an import row carries it. Undefined fields leave the member's value as it is. */
export interface MemberRow {
  row: number;
  firstName: string;
  lastName: string;
  email: string;
  emailLower: string;
  memberNumber?: string;
  dateOfBirth?: string;
  phone?: string;
  addressLine1?: string;
  addressLine2?: string;
  town?: string;
  postcode?: string;
  homeSiteId?: string;
  marketingOptIn?: boolean;
  refs: ExternalRef[];
}

/** A rejected row: the field and why (one line of an import's error report). */
export interface RowError {
  row: number;
  field: string;
  reason: string;
  /** The offending cell, cut to 200 characters (shown in the report, formula-neutralised). */
  value?: string;
}

/** The member a row describes, merged over the matched member (undefined row fields keep the member's values). */
export function mergeRow(m: Member, r: MemberRow): Member {
  const refs = [...m.externalRefs];
  for (const ref of r.refs) if (!refs.some((x) => x.system === ref.system && x.id === ref.id)) refs.push(ref);
  return {
    ...m,
    firstName: r.firstName,
    lastName: r.lastName,
    email: r.email,
    memberNumber: r.memberNumber ?? m.memberNumber,
    dateOfBirth: r.dateOfBirth ?? m.dateOfBirth,
    phone: r.phone ?? m.phone,
    address: {
      line1: r.addressLine1 ?? m.address.line1,
      line2: r.addressLine2 ?? m.address.line2,
      town: r.town ?? m.address.town,
      postcode: r.postcode ?? m.address.postcode,
    },
    homeSiteId: r.homeSiteId ?? m.homeSiteId,
    marketingOptIn: r.marketingOptIn ?? m.marketingOptIn,
    externalRefs: refs,
  };
}

/** True when a merge changed nothing a member shows. */
export function sameMember(a: Member, b: Member): boolean {
  return (
    a.firstName === b.firstName &&
    a.lastName === b.lastName &&
    a.email === b.email &&
    a.memberNumber === b.memberNumber &&
    a.dateOfBirth === b.dateOfBirth &&
    a.phone === b.phone &&
    a.address.line1 === b.address.line1 &&
    a.address.line2 === b.address.line2 &&
    a.address.town === b.address.town &&
    a.address.postcode === b.address.postcode &&
    a.homeSiteId === b.homeSiteId &&
    a.marketingOptIn === b.marketingOptIn &&
    a.externalRefs.length === b.externalRefs.length
  );
}

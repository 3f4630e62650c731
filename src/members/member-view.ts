import type { Member } from './members.repository.js';
import type { MemberView } from './members.schemas.js';

/** The API view of a member: what GET /v1/members/{id} answers, and the data.object of member events. */
export function memberView(m: Member): MemberView {
  return {
    id: m.id,
    memberNumber: m.memberNumber,
    firstName: m.firstName,
    lastName: m.lastName,
    email: m.email,
    dateOfBirth: m.dateOfBirth,
    phone: m.phone,
    address: { ...m.address },
    homeSiteId: m.homeSiteId,
    marketingOptIn: m.marketingOptIn,
    externalRefs: m.externalRefs.map((r) => ({ system: r.system, id: r.id })),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}


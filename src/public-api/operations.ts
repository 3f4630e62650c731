import { demoId } from './demo-seed.js';

/**
 * What the OpenAPI document says about each operation beyond its route schema: a stable operationId,
 * the headers each answer carries, and an example that works as sent against the demo environment
 * (its records have fixed ids, see demo-seed.ts). Keyed by `METHOD /openapi/path`; a test checks that
 * every documented operation has an entry, so a new route cannot ship without one.
 */
interface OperationDoc {
  id: string;
  /** Response headers by status: `true` = always sent, `false` = sometimes. */
  headers?: Record<number, Record<string, boolean>>;
  /** The request body example (JSON media type). */
  example?: unknown;
  /** Path parameter examples. */
  params?: Record<string, string>;
  /** Tags replacing the route's own (e.g. the test provider's operations get their own group). */
  tags?: string[];
}

const DEMO_SITE = demoId('site', 1);
const DEMO_MEMBER = demoId('mem', 1);
const DEMO_MEMBERSHIP = demoId('ms', 1);

const created = (extra: Record<string, boolean> = {}) => ({ 201: { Location: true, 'Idempotent-Replayed': false, ...extra } });

export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /v1/me': { id: 'getMe' },
  'GET /v1/sites': { id: 'listSites' },
  'GET /v1/membership-types': { id: 'listMembershipTypes' },
  'GET /v1/members': { id: 'listMembers' },
  'POST /v1/members': {
    id: 'createMember',
    headers: created({ ETag: true }),
    example: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada.lovelace@example.com',
      dateOfBirth: '1990-12-10',
      phone: '07700 900123',
      address: { line1: '1 Riverside Way', town: 'Leeds', postcode: 'LS1 4AP' },
      homeSiteId: DEMO_SITE,
      marketingOptIn: false,
      externalRefs: [{ system: 'crm', id: 'C-1001' }],
    },
  },
  'GET /v1/members/{id}': { id: 'getMember', headers: { 200: { ETag: true } }, params: { id: DEMO_MEMBER } },
  'PATCH /v1/members/{id}': { id: 'updateMember', headers: { 200: { ETag: true } }, params: { id: DEMO_MEMBER }, example: { phone: '07700 900456', marketingOptIn: true } },
  'GET /v1/members/{id}/memberships': { id: 'listMemberMemberships', params: { id: DEMO_MEMBER } },
  'GET /v1/members/{id}/access-code': { id: 'getMemberAccessCode', headers: { 200: { 'Cache-Control': true } }, params: { id: DEMO_MEMBER } },
  'GET /v1/memberships': { id: 'listMemberships' },
  'GET /v1/memberships/{id}': { id: 'getMembership', params: { id: DEMO_MEMBERSHIP } },
  'POST /v1/memberships/{id}/cancel': { id: 'cancelMembership', params: { id: DEMO_MEMBERSHIP }, example: { reason: 'Moving away' } },
  'POST /v1/attendance': {
    id: 'recordAttendance',
    example: { records: [{ memberId: DEMO_MEMBER, membershipTypeId: demoId('mt', 5), sessionStart: '2026-06-15T17:00:00Z', status: 'present' }] },
  },
  'POST /v1/member-imports': { id: 'createMemberImport', headers: { 202: { Location: true } } },
  'GET /v1/member-imports/{id}': { id: 'getMemberImport', params: { id: 'imp_3kTq9aP2xW7mZ1bC' } },
  'GET /v1/member-imports/{id}/errors': { id: 'getMemberImportErrors', headers: { 200: { 'Content-Disposition': true } }, params: { id: 'imp_3kTq9aP2xW7mZ1bC' } },
  'POST /v1/checkout/sessions': {
    id: 'createCheckoutSession',
    headers: created(),
    example: {
      membershipTypeId: demoId('mt', 1),
      siteId: DEMO_SITE,
      customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com' },
      successUrl: 'https://app.example/joined',
      cancelUrl: 'https://app.example/cancelled',
      reference: 'signup-1234',
    },
  },
  'GET /v1/checkout/sessions/{id}': { id: 'getCheckoutSession', params: { id: 'cs_4fTq9aP2xW7mZ1bCkLm3Qd' } },
  'POST /v1/checkout/test-provider/mandates/{id}/confirm': { id: 'confirmTestMandate', tags: ['Test payment provider'], params: { id: 'tp_md_3kTq9aP2xW7mZ1bC' } },
  'POST /v1/checkout/test-provider/mandates/{id}/fail': { id: 'failTestMandate', tags: ['Test payment provider'], params: { id: 'tp_md_3kTq9aP2xW7mZ1bC' } },
  'GET /v1/webhook-endpoints': { id: 'listWebhookEndpoints' },
  'POST /v1/webhook-endpoints': {
    id: 'createWebhookEndpoint',
    headers: { 201: { Location: true, 'Cache-Control': true } },
    example: { url: 'https://hooks.example.com/flow', events: ['member.created', 'member.updated'], description: 'CRM sync' },
  },
  'GET /v1/webhook-endpoints/{id}': { id: 'getWebhookEndpoint', params: { id: 'we_3kTq9aP2xW7mZ1bC' } },
  'PATCH /v1/webhook-endpoints/{id}': { id: 'updateWebhookEndpoint', params: { id: 'we_3kTq9aP2xW7mZ1bC' }, example: { status: 'paused' } },
  'DELETE /v1/webhook-endpoints/{id}': { id: 'deleteWebhookEndpoint', params: { id: 'we_3kTq9aP2xW7mZ1bC' } },
  'POST /v1/webhook-endpoints/{id}/roll-secret': { id: 'rollWebhookEndpointSecret', headers: { 200: { 'Cache-Control': true } }, params: { id: 'we_3kTq9aP2xW7mZ1bC' } },
  'POST /v1/webhook-endpoints/{id}/test': { id: 'sendWebhookTestEvent', params: { id: 'we_3kTq9aP2xW7mZ1bC' } },
  'POST /v1/keys/revoke-leaked': { id: 'revokeLeakedKeys', example: { keys: ['flow_0000000000AB_0000000000000000000000000000000000000000'] } },

  'POST /admin/v1/session': {
    id: 'createSession',
    headers: { 200: { 'Set-Cookie': true, 'Cache-Control': true } },
    example: { email: 'admin@demo.flow.local', password: 'the password printed at first start' },
  },
  'GET /admin/v1/session': { id: 'getSession', headers: { 200: { 'Cache-Control': true } } },
  'DELETE /admin/v1/session': { id: 'deleteSession', headers: { 204: { 'Set-Cookie': true } } },
  'GET /admin/v1/purposes': { id: 'listPurposes' },
  'GET /admin/v1/api-keys': { id: 'listApiKeys' },
  'POST /admin/v1/api-keys': {
    id: 'createApiKey',
    headers: { 201: { 'Cache-Control': true } },
    example: { reference: 'CoursePro live', purpose: 'coursepro_integration', expiresOn: '2027-03-31', theme: { primaryColour: '#00AA77', secondaryColour: '#FFCC00' } },
  },
  'GET /admin/v1/api-keys/{id}': { id: 'getApiKey' },
  'PATCH /admin/v1/api-keys/{id}': { id: 'updateApiKey', example: { reference: 'CoursePro live (2027)' } },
  'POST /admin/v1/api-keys/{id}/revoke': { id: 'revokeApiKey' },
  'POST /admin/v1/api-keys/{id}/roll': { id: 'rollApiKey', headers: { 200: { 'Cache-Control': true } }, example: { graceSeconds: 86400 } },
  'GET /admin/v1/api-keys/{id}/usage': { id: 'getApiKeyUsage' },
  'GET /admin/v1/expiring-keys': { id: 'listExpiringApiKeys' },
  'GET /admin/v1/audit-events': { id: 'listAuditEvents' },
  'POST /admin/v1/logos': { id: 'uploadLogo' },
  'GET /admin/v1/api-keys/{id}/webhook-endpoints': { id: 'listApiKeyWebhookEndpoints' },
  'POST /admin/v1/api-keys/{id}/webhook-endpoints': {
    id: 'adminCreateWebhookEndpoint',
    headers: { 201: { 'Cache-Control': true } },
    example: { url: 'https://hooks.example.com/flow', events: ['member.created', 'member.updated'], description: 'CRM sync' },
  },
  'POST /admin/v1/webhook-endpoints/{id}/roll-secret': { id: 'adminRollWebhookEndpointSecret', headers: { 200: { 'Cache-Control': true } } },
  'PATCH /admin/v1/webhook-endpoints/{id}': { id: 'adminUpdateWebhookEndpoint', example: { status: 'enabled' } },
  'DELETE /admin/v1/webhook-endpoints/{id}': { id: 'adminDeleteWebhookEndpoint' },
  'GET /admin/v1/webhook-endpoints/{id}/deliveries': { id: 'listWebhookDeliveries' },
  'POST /admin/v1/webhook-endpoints/{id}/test': { id: 'adminSendWebhookTestEvent' },
  'POST /admin/v1/webhook-deliveries/{id}/redeliver': { id: 'redeliverWebhookDelivery' },
};

/** The tags of the documents, in reading order, each with its description. */
export const TAGS: Array<{ name: string; description: string; group: 'Public API' | 'Admin API' | 'Test payment provider' }> = [
  { name: 'Keys', group: 'Public API', description: 'The calling key (`/v1/me`) and leaked-key reports from secret scanners.' },
  { name: 'Sites', group: 'Public API', description: 'The centres of the key’s environment.' },
  { name: 'Membership types', group: 'Public API', description: 'What can be bought: name, price, payment type, and whether CoursePro maps it.' },
  { name: 'Members', group: 'Public API', description: 'Members: list, change feed, read, create (idempotent), update (If-Match).' },
  { name: 'Memberships', group: 'Public API', description: 'A member’s memberships and the membership change feed.' },
  { name: 'Access codes', group: 'Public API', description: 'Short-lived signed entry codes for a member app.' },
  { name: 'Attendance', group: 'Public API', description: 'Class and course attendance recorded by the booking system.' },
  { name: 'Member imports', group: 'Public API', description: 'Bulk member imports from CSV, JSON or NDJSON, run as jobs, with a CSV report of rejected rows.' },
  { name: 'Checkout', group: 'Public API', description: 'Hosted, branded checkout sessions: send the customer to `url`, read the outcome.' },
  { name: 'Webhooks', group: 'Public API', description: 'Signed events pushed to the key’s own endpoints (Standard Webhooks): member, membership, attendance, checkout, import and key events the purpose may read.' },
  { name: 'Test payment provider', group: 'Test payment provider', description: 'Only while the built-in test payment provider is in use: decide pending Direct Debit mandates as the bank would.' },
  { name: 'Admin: session', group: 'Admin API', description: 'Staff sign-in for the console (cookie session + X-CSRF-Token).' },
  { name: 'Admin: API keys', group: 'Admin API', description: 'The key lifecycle: create, list, update, roll, revoke, usage; checkout logos.' },
  { name: 'Admin: audit', group: 'Admin API', description: 'The environment’s audit trail.' },
  { name: 'Admin: webhooks', group: 'Admin API', description: 'A key’s webhook endpoints, their delivery log (30 days), redelivery and test events.' },
];

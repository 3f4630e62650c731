import { EVENT_DESCRIPTIONS, EVENT_TYPES, permissionFor, type EventType } from './event-types.js';

const EXAMPLE_OBJECT: Record<EventType, Record<string, unknown>> = {
  'member.created': { id: 'mem_3kTq9aP2xW7mZ1bC', firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com' },
  'member.updated': { id: 'mem_3kTq9aP2xW7mZ1bC', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  'membership.created': { id: 'ms_3kTq9aP2xW7mZ1bC', memberId: 'mem_3kTq9aP2xW7mZ1bC', status: 'active' },
  'membership.updated': { id: 'ms_3kTq9aP2xW7mZ1bC', memberId: 'mem_3kTq9aP2xW7mZ1bC', status: 'cancelled' },
  'attendance.recorded': { id: 'att_3kTq9aP2xW7mZ1bC', memberId: 'mem_3kTq9aP2xW7mZ1bC', status: 'present' },
  'checkout.session.completed': { id: 'cs_4fTq9aP2xW7mZ1bCkLm3Qd', status: 'complete' },
  'checkout.session.expired': { id: 'cs_4fTq9aP2xW7mZ1bCkLm3Qd', status: 'expired' },
  'member_import.finished': { id: 'imp_3kTq9aP2xW7mZ1bC', status: 'succeeded' },
  'api_key.expiring': { id: 'key_0000000000AB', reference: 'CoursePro live', purpose: 'coursepro_integration', expiresOn: '2027-03-31' },
  'api_key.revoked': { id: 'key_0000000000AB', reference: 'CoursePro live', purpose: 'coursepro_integration', expiresOn: '2027-03-31' },
};

const header = (name: string, description: string) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } });

/** The OpenAPI 3.1 `webhooks` of the public document: one entry per event type, with an example body. */
export function openApiWebhooks(): Record<string, unknown> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const permission = permissionFor(type);
      return [
        type,
        {
          post: {
            operationId: `webhook_${type.replace(/[^a-z]+/g, '_')}`,
            tags: ['Webhooks'],
            summary: type,
            description: `${EVENT_DESCRIPTIONS[type]}\n\n${permission ? `Sent to endpoints of keys whose purpose grants \`${permission}\`.` : 'Sent only to the endpoints of the key concerned.'} Verify \`webhook-signature\` (Standard Webhooks) before trusting the body; deduplicate on \`webhook-id\`.`,
            security: [],
            parameters: [
              header('webhook-id', 'The event id (`evt_…`), the same on every retry.'),
              header('webhook-timestamp', 'Unix seconds of this attempt.'),
              header('webhook-signature', '`v1,` + base64 HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64-decoded secret after `whsec_`.'),
            ],
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'type', 'createdAt', 'data'],
                    properties: {
                      id: { type: 'string' },
                      type: { type: 'string', const: type },
                      createdAt: { type: 'string', format: 'date-time' },
                      data: { type: 'object', required: ['object'], properties: { object: { type: 'object', description: 'The resource as GET returns it.' } } },
                    },
                  },
                  example: { id: 'evt_0aZ3kTq90000Xk2p9QaB1c', type, createdAt: '2026-06-15T10:00:00.000Z', data: { object: EXAMPLE_OBJECT[type] } },
                },
              },
            },
            responses: { '200': { description: 'Any 2xx within 10 s acknowledges the event; anything else is retried.' } },
          },
        },
      ];
    }),
  );
}

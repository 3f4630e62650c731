import { ERROR_CODES, ERROR_STATUS, TITLES, type ErrorCode } from '../kernel/errors.js';

/** The guide pages' CSP: no script at all, inline styles only. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What each error code means and what to do about it (the page each problem's `type` points at). */
const ERROR_HELP: Record<ErrorCode, string> = {
  key_missing: 'No API key was sent. Send it as <code>Authorization: Bearer flow_…</code> or <code>X-API-Key: flow_…</code>.',
  key_malformed: 'The key is not a well-formed FLOW key (wrong length, characters or checksum) — usually a copy-and-paste mistake. Copy the whole key again; it is 56 characters and starts with <code>flow_</code>.',
  key_invalid: 'No such key in this environment. Check that the key belongs to this server, or ask an administrator for a new one.',
  key_expired: 'The key passed its expiry date. An administrator can create a new key (or roll this one) in the console: System Configuration → Integrations → FLOW API Keys.',
  key_revoked: 'The key was revoked (by an administrator, or because it was reported as leaked). Ask for a new key; a revoked key never works again.',
  permission_denied: 'The key’s purpose does not grant this operation’s permission. The <code>detail</code> names the permission and the purposes that hold it; each operation in the reference lists them too. Use a key with one of those purposes.',
  ip_not_allowed: 'The key has an address allowlist and this call came from another address. Call from an allowed address or ask an administrator to add yours.',
  not_found: 'No such resource in the key’s environment (or no such route). Check the id; ids from another environment are never visible.',
  validation_failed: 'The request has bad fields. <code>errors</code> lists each one: <code>{ "path": "email", "message": "must be an email address" }</code>. Fix those fields and send again.',
  payload_too_large: 'The body is larger than the operation accepts (1 MiB for JSON, 100 MiB for imports, 1 MiB for logos). Send less, or split it.',
  unsupported_media_type: 'The <code>Content-Type</code> is not one this operation reads: JSON operations take <code>application/json</code>; imports take <code>text/csv</code>, <code>application/json</code> or <code>application/x-ndjson</code>.',
  conflict: 'The request clashes with the current state: a duplicate email, member number or external reference, an <code>Idempotency-Key</code> reused with another body, or a state change that is no longer possible. The <code>detail</code> says which.',
  precondition_failed: 'The <code>If-Match</code> ETag is stale: the resource changed since you read it. Read it again, re-apply your change and send it with the new ETag.',
  rate_limited: 'Too many requests for this key in the current minute (or too many failed authentications from this address). Wait <code>Retry-After</code> seconds; watch <code>RateLimit-Remaining</code> to slow down before it happens.',
  csrf_failed: 'Console only: a state change without the session’s <code>X-CSRF-Token</code>. Read it from <code>GET /admin/v1/session</code>.',
  unauthenticated: 'Console only: not signed in, or the session ended. Sign in again.',
  unavailable: 'A backing service (database or shared state) is briefly unavailable. Retry after <code>Retry-After</code> seconds; requests with an <code>Idempotency-Key</code> are safe to retry.',
  internal: 'Something failed on our side. Retry later; if it persists, contact support with the <code>requestId</code>.',
};

const STYLE = `body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
main{max-width:820px;margin:0 auto;padding:24px 20px 64px}nav{background:#0b3d5c;padding:12px 20px}nav a{color:#fff;margin-right:18px;text-decoration:none;font-weight:600}
h1{font-size:30px;margin:8px 0 4px}h2{margin-top:36px;border-bottom:1px solid #d8dee4;padding-bottom:4px}code{background:#eef1f4;padding:1px 4px;border-radius:3px;font-size:14px}
pre{background:#0d1117;color:#e6edf3;padding:14px;border-radius:6px;overflow-x:auto;font-size:14px}pre code{background:none;padding:0}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d8dee4;padding:6px 8px;text-align:left;vertical-align:top}th{background:#eef1f4}
.lead{color:#57606a}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} — FLOW API</title><style>${STYLE}</style></head>
<body><nav><a href="/docs/">API reference</a><a href="/docs/getting-started">Getting started</a><a href="/docs/errors">Errors</a><a href="/docs/admin">Admin API</a></nav><main>${body}</main></body></html>`;
}

/** The getting-started page's webhook verification examples (run against real signatures by the tests). */
export const VERIFY_NODE = `import crypto from 'node:crypto';

/** True when the delivery is signed with the endpoint's secret and fresh (5 minutes). */
export function verify(secret, headers, rawBody) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = \`\${headers['webhook-id']}.\${headers['webhook-timestamp']}.\${rawBody}\`;
  const expected = crypto.createHmac('sha256', key).update(signed).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(headers['webhook-timestamp'])) < 300;
  return fresh && headers['webhook-signature'].split(' ').some((s) => {
    const given = Buffer.from(s.split(',')[1] ?? '', 'base64');
    return s.startsWith('v1,') && given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}`;
export const VERIFY_PYTHON = `import base64, hashlib, hmac, time

def verify(secret: str, headers: dict, raw_body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
    return fresh and any(hmac.compare_digest(s.split(",", 1)[1], expected)
                         for s in headers["webhook-signature"].split(" ") if s.startswith("v1,"))`;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** /docs/getting-started: from a new key to a first call, paging, retries, limits, errors and webhooks. */
export function gettingStartedPage(): string {
  return page(
    'Getting started',
    `<h1>Getting started with the FLOW API</h1>
<p class="lead">Connect your system to a FLOW leisure-centre environment: members, memberships, attendance, imports and hosted checkout.</p>

<h2 id="get-a-key">1. Get an API key</h2>
<p>An administrator of the FLOW environment creates one key per integration in the console:
<b>System Configuration → Integrations → FLOW API Keys → Create New API Key</b>. They choose a reference (a name you will recognise),
a <b>purpose</b> and an expiry date. The purpose decides what the key may do:</p>
<table><tr><th>Purpose</th><th>For</th></tr>
<tr><td>Import Members</td><td>tools importing member data into FLOW</td></tr>
<tr><td>Innovatise Bridge</td><td>integrations with the Innovatise platform and app</td></tr>
<tr><td>CoursePro Integration</td><td>synchronising data with CoursePro</td></tr>
<tr><td>FLOW API</td><td>general API access or custom integrations</td></tr></table>
<p>The key (<code>flow_…</code>, 56 characters) is shown <b>once</b>. Keep it in a secret store, never in a repository or a URL.</p>

<h2 id="first-call">2. Make a first call</h2>
<p>Every key may call <code>GET /v1/me</code>: it tells you the key’s environment, purpose, expiry and permissions.</p>
<pre><code>curl -H "Authorization: Bearer $FLOW_API_KEY" https://your-flow-server/v1/me</code></pre>
<p>Then, for example, the sites of the environment:</p>
<pre><code>curl -H "Authorization: Bearer $FLOW_API_KEY" "https://your-flow-server/v1/sites?limit=10"</code></pre>
<p>The key may also go in <code>X-API-Key: flow_…</code>. In the <a href="/docs/">API reference</a>, press <b>Authorize</b>, paste the key, and
use <b>Try it out</b> on any operation; the examples work as they are against the demo environment.</p>

<h2 id="paging">3. Page through lists</h2>
<p>Lists answer <code>{ "data": [ … ], "nextCursor": "…" }</code>. Ask for up to 100 items with <code>limit</code>; while
<code>nextCursor</code> is not <code>null</code>, send it back as <code>cursor</code> for the next page. Cursors are opaque.</p>
<pre><code>curl -H "Authorization: Bearer $FLOW_API_KEY" "https://your-flow-server/v1/members?limit=100&amp;cursor=NEXT_CURSOR"</code></pre>
<p>To stay in step with changes, use the change feeds: <code>GET /v1/members?updatedSince=…</code> and <code>GET /v1/memberships</code>.
Follow <code>nextCursor</code> until it is null and keep the last cursor (or <code>resumeCursor</code>) to continue later; no change is skipped.</p>

<h2 id="idempotency">4. Retry safely</h2>
<p>Creating a member or a checkout session takes an <code>Idempotency-Key</code> header (any unique string, e.g. a UUID). If the
connection drops, send the same request with the same key again: within 24 hours you get the first answer back (with
<code>Idempotent-Replayed: true</code>) and nothing is created twice. The same key with a different body is <code>409 conflict</code>.</p>
<pre><code>curl -X POST -H "Authorization: Bearer $FLOW_API_KEY" -H "Idempotency-Key: 5f1c…" \\
     -H "Content-Type: application/json" \\
     -d '{"firstName":"Ada","lastName":"Lovelace","email":"ada.lovelace@example.com"}' \\
     https://your-flow-server/v1/members</code></pre>
<p>To update, read first and send the <code>ETag</code> you got as <code>If-Match</code>: if someone changed the member in between,
the answer is <code>412 precondition_failed</code> and nothing is overwritten.</p>

<h2 id="rate-limits">5. Rate limits</h2>
<p>Each key may make a number of requests per minute (600 by default, 1,200 for Innovatise Bridge and CoursePro Integration keys).
Every answer says where you are: <code>RateLimit-Limit</code>, <code>RateLimit-Remaining</code> and <code>RateLimit-Reset</code>
(seconds until the window resets). Past the limit the answer is <code>429 rate_limited</code> with <code>Retry-After</code>: wait that long.</p>

<h2 id="errors">6. Errors</h2>
<p>Every error is <code>application/problem+json</code> with a stable <code>code</code> to branch on, a <code>detail</code> in words and a
<code>requestId</code> (also in the <code>X-Request-Id</code> header) to quote when asking for help:</p>
<pre><code>{
  "type": "/docs/errors#validation_failed",
  "title": "Validation failed",
  "status": 400,
  "detail": "email: must be an email address",
  "code": "validation_failed",
  "requestId": "req_Xk2p9QaB1c",
  "errors": [{ "path": "email", "message": "must be an email address" }]
}</code></pre>
<p>The <code>type</code> link leads to <a href="/docs/errors">the list of codes</a>, each with what to do about it.</p>

<h2 id="webhooks">7. Receive events (webhooks)</h2>
<p>Instead of polling, let FLOW push events to you: <code>POST /v1/webhook-endpoints</code> with your <code>https://</code> URL and the event
types you want (<code>member.created</code>, <code>membership.updated</code>, <code>checkout.session.completed</code>, … — the ones your key’s
purpose may read). The answer carries the endpoint’s signing secret <code>whsec_…</code>, <b>once</b>. Each event is a <code>POST</code>
signed per <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> with <code>webhook-id</code> (the event id, the same on every
retry: deduplicate on it), <code>webhook-timestamp</code> and <code>webhook-signature</code>. Answer 2xx within 10 s; anything else is
retried for about a day and a half. Verify every delivery against the raw body before you trust it. Node:</p>
<pre><code>${escapeHtml(VERIFY_NODE)}</code></pre>
<p>Python:</p>
<pre><code>${escapeHtml(VERIFY_PYTHON)}</code></pre>
<p><code>POST /v1/webhook-endpoints/{id}/test</code> sends a test event; the console shows each endpoint’s delivery log with a Redeliver button.</p>

<h2 id="more">8. More</h2>
<p>Bulk imports: <code>POST /v1/member-imports</code> with a CSV, JSON or NDJSON body starts a job; poll it, then download the
report of rejected rows. Hosted checkout: <code>POST /v1/checkout/sessions</code> and send the customer to its <code>url</code>.
Everything else is in the <a href="/docs/">API reference</a>.</p>`,
  );
}

/** /docs/errors: every code of the contract, its status and its fix (the target of each problem's `type`). */
export function errorsPage(): string {
  const rows = ERROR_CODES.map(
    (c) => `<tr id="${c}"><td><code>${c}</code></td><td>${ERROR_STATUS[c]}</td><td><b>${TITLES[c]}</b><br>${ERROR_HELP[c]}</td></tr>`,
  ).join('\n');
  return page(
    'Errors',
    `<h1>Errors</h1>
<p class="lead">Every error is <code>application/problem+json</code> (RFC 9457). Branch on <code>code</code>; show <code>detail</code> to people;
quote <code>requestId</code> when asking for help.</p>
<table><tr><th>code</th><th>status</th><th>meaning and fix</th></tr>
${rows}</table>`,
  );
}

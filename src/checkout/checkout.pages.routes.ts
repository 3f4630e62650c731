import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import { toAppError } from '../http/problems.js';
import { CHECKOUT_CSS } from './checkout-css.js';
import type { FormFields } from './checkout-form.js';
import { CSS_HASH, renderCheckoutPage, renderConfirmPage, renderErrorPage, renderStatePage } from './checkout.pages.js';
import type { CheckoutSessionRow } from './checkout.repository.js';
import type { CheckoutService, PageOutcome } from './checkout.service.js';
import { boundedCache } from './bounded-cache.js';
import { originOf } from './redirect-urls.js';
import { checkoutTheme, themeCss } from './theme.js';

/** The largest form the hosted pages accept. */
const FORM_LIMIT = 16 * 1024;
const THEME_FILE = /^theme-([0-9A-F]{6})-([0-9A-F]{6})\.css$/;

/**
 * The strict policy of every hosted page: nothing but same-origin images and stylesheets, no scripts at all,
 * forms only to this server and the integration's own success/cancel origins (where a submit redirects).
 */
function checkoutCsp(session: CheckoutSessionRow | undefined): string {
  if (!session) return policyFor(new Set());
  // Parsing two URLs per page view is a tenth of drawing it; an integration's few return URLs repeat.
  return POLICIES.get(`${session.successUrl.length}:${session.successUrl}${session.cancelUrl}`, () => policyFor(new Set([originOf(session.successUrl), originOf(session.cancelUrl)])));
}
const POLICIES = boundedCache<string>(1000);

function policyFor(formTargets: Set<string>): string {
  return `default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'${[...formTargets].map((o) => ' ' + o).join('')}; frame-ancestors 'none'; base-uri 'none'`;
}

function html(reply: FastifyReply, status: number, session: CheckoutSessionRow | undefined, body: string | Buffer): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', checkoutCsp(session))
    .send(body);
}

/** The status of a form shown again, by why (the service says why; the status is chosen here). */
const FORM_STATUS = { invalid_form: 400, payment_declined: 402, too_many_attempts: 429 } as const;

const STATE_STATUS = { completed: 200, cancelled: 200, expired: 410, not_found: 404, busy: 409, unavailable: 410 } as const;

function send(reply: FastifyReply, o: PageOutcome | { kind: 'confirm'; model: Parameters<typeof renderConfirmPage>[0]; payment: Parameters<typeof renderConfirmPage>[1] }): FastifyReply {
  switch (o.kind) {
    case 'redirect':
      return reply.code(303).header('cache-control', 'no-store').header('location', o.url).send();
    case 'form':
      return html(reply, o.refusal ? FORM_STATUS[o.refusal] : 200, o.model.session, renderCheckoutPage(o.model, o.values, o.errors, o.alert));
    case 'confirm':
      return html(reply, 200, o.model.session, renderConfirmPage(o.model, o.payment));
    case 'csrf':
      return html(reply, 403, o.session, renderStatePage('csrf', o.session));
    case 'state':
      return html(reply, STATE_STATUS[o.state], o.session, renderStatePage(o.state, o.session));
  }
}

/** The hosted checkout pages (no staff login: the unguessable session id is the credential) and their stylesheets. */
export function checkoutPageRoutes(deps: { checkout: CheckoutService }): FastifyPluginAsync {
  const { checkout } = deps;
  return async (app) => {
    // Anything these routes answer without its own policy (e.g. a 413 problem) gets the strictest one.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      done(null, payload);
    });
    // Customers get an HTML page, never problem+json; internals stay in the log.
    app.setErrorHandler((err, request, reply) => {
      const appErr = toAppError(err as FastifyError, request);
      if (appErr.status >= 500) request.log.error({ err }, 'checkout page failed');
      const id = (request.params as { id?: string } | undefined)?.id;
      return html(reply, appErr.status, undefined, renderErrorPage(appErr.status, id));
    });
    // Encapsulated in this plugin: only the hosted forms accept urlencoded bodies.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
      const fields: FormFields = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in fields) && k.length <= 40) fields[k] = v.slice(0, 500);
      done(null, fields);
    });

    app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
      const file = request.params.file;
      const theme = THEME_FILE.exec(file);
      let css: string | undefined;
      if (file === `checkout.${CSS_HASH}.css`) css = CHECKOUT_CSS;
      else if (theme) css = themeCss(checkoutTheme(`#${theme[1]}`, `#${theme[2]}`));
      if (css === undefined) return reply.code(404).type('text/plain; charset=utf-8').header('content-security-policy', "default-src 'none'").send('Not found');
      // Both are content-addressed (by hash or by the colours themselves), so they never change.
      return reply
        .type('text/css; charset=utf-8')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('content-security-policy', "default-src 'none'")
        .send(css);
    });

    const body = (request: { body: unknown }): FormFields => (request.body && typeof request.body === 'object' ? (request.body as FormFields) : {});

    // Every page answer is no-store and carries the session's CSRF token, so none is compressed (a secret next
    // to text the customer typed is what BREACH-style length probing needs): no compression hooks on them.
    const pageRoute = { schema: { hide: true }, compress: false } as const;
    const formRoute = { ...pageRoute, bodyLimit: FORM_LIMIT } as const;
    app.get<{ Params: { id: string } }>('/:id', pageRoute, async (request, reply) => send(reply, await checkout.page(request.params.id)));
    app.get<{ Params: { id: string } }>('/:id/confirm', pageRoute, async (request, reply) => send(reply, await checkout.confirmPage(request.params.id)));
    app.post<{ Params: { id: string } }>('/:id/pay', formRoute, async (request, reply) => send(reply, await checkout.pay(request.params.id, body(request))));
    app.post<{ Params: { id: string } }>('/:id/confirm', formRoute, async (request, reply) => send(reply, await checkout.confirm(request.params.id, body(request))));
    app.post<{ Params: { id: string } }>('/:id/cancel', formRoute, async (request, reply) => send(reply, await checkout.cancel(request.params.id, body(request))));
  };
}

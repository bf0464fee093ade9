import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

type Header = [name: string, value: string | string[]];

/**
 * The headers a helmet configuration sets, read once: they do not depend on the request, and
 * setting them from a list is much cheaper than helmet's dozen middlewares on every answer (the
 * webhooks take thousands a second).
 */
function headersOf(middleware: ReturnType<typeof helmet>): Header[] {
  const headers: Header[] = [];
  const res = {
    setHeader: (name: string, value: string | string[]) => headers.push([name, value]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  } as unknown as ServerResponse;
  middleware({} as IncomingMessage, res, () => undefined);
  return headers;
}

/**
 * helmet's headers on every answer (health, docs, API, webhooks, errors). Swagger UI needs inline
 * scripts, so /docs goes without a Content-Security-Policy. Strict-Transport-Security only when the
 * service is reached over https: on plain http it would pin browsers to a scheme the host lacks.
 */
export function securityHeaders(opts: { hsts: boolean }): RequestHandler {
  const strictTransportSecurity = opts.hsts ? { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true } : false;
  const api = headersOf(helmet({ strictTransportSecurity }));
  const docs = headersOf(helmet({ strictTransportSecurity, contentSecurityPolicy: false }));
  return (req, res, next) => {
    for (const [name, value] of req.path === '/docs' || req.path.startsWith('/docs/') ? docs : api) res.setHeader(name, value);
    next();
  };
}

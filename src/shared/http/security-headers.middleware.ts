import type { RequestHandler } from 'express';
import helmet from 'helmet';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * helmet's headers on every answer (health, docs, API, webhooks, errors). Swagger UI needs inline
 * scripts, so /docs goes without a Content-Security-Policy. Strict-Transport-Security only when the
 * service is reached over https: on plain http it would pin browsers to a scheme the host lacks.
 */
export function securityHeaders(opts: { hsts: boolean }): RequestHandler {
  const strictTransportSecurity = opts.hsts ? { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true } : false;
  const api = helmet({ strictTransportSecurity });
  const docs = helmet({ strictTransportSecurity, contentSecurityPolicy: false });
  return (req, res, next) => (req.path === '/docs' || req.path.startsWith('/docs/') ? docs : api)(req, res, next);
}

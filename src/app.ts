import fs from 'node:fs';
import path from 'node:path';
import cors from 'cors';
import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import YAML from 'yaml';
import { authenticate } from './shared/auth/auth.middleware';
import { refuseWhileDraining } from './shared/http/draining.middleware';
import { errorMiddleware, notFoundHandler } from './shared/http/error.middleware';
import { requestId } from './shared/http/request-id.middleware';
import { rateLimit } from './shared/http/rate-limit.middleware';
import { requestLog } from './shared/http/request-log.middleware';
import { securityHeaders } from './shared/http/security-headers.middleware';
import type { ChannelsContainer } from './modules/channels/infrastructure/channels.container';
import { healthRoutes } from './modules/channels/infrastructure/routes/health.routes';
import { metricsRoutes } from './shared/metrics/metrics.routes';
import { channelRoutes, qrImageRoutes } from './modules/channels/infrastructure/routes/channel.routes';
import { companyRoutes } from './modules/channels/infrastructure/routes/company.routes';
import { conversationRoutes } from './modules/channels/infrastructure/routes/conversation.routes';
import { mediaRoutes } from './modules/channels/infrastructure/routes/media.routes';
import { messageRoutes } from './modules/channels/infrastructure/routes/message.routes';
import { webhookRoutes } from './modules/channels/infrastructure/routes/webhook.routes';
import { webhookSubscriptionRoutes } from './modules/channels/infrastructure/routes/webhook-subscription.routes';

/** Path of the API description served at /docs. */
export const OPENAPI_PATH = path.resolve(__dirname, '..', 'openapi.yaml');

/** Response headers browsers may read across origins. */
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'];

/** Builds the Express app from a container; no listen (tests use it directly). */
export function createApp(container: ChannelsContainer): Express {
  const { controllers: c, logger, config } = container;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  app.use(refuseWhileDraining(() => container.draining));
  app.use(requestLog(logger));
  app.use(container.metrics.httpMiddleware());
  app.use(securityHeaders({ hsts: config.hsts }));
  app.use(cors({ origin: config.corsOrigins === '*' ? '*' : config.corsOrigins, exposedHeaders: EXPOSED_HEADERS }));

  const limits = { store: container.cache, logger };
  // First of the routes: providers post thousands a second, and every router passed on the way costs a match.
  // App-level Meta webhooks name no channel in the URL: they share one budget per provider path.
  // Lower-cased: Express matches paths in any letter case, which must not buy another budget.
  const webhookLimit = rateLimit({ ...limits, scope: 'webhook', limit: config.rateLimit.webhookPerSecond, windowSeconds: 1, keyOf: (req) => ((req.params.channelId as string | undefined) ?? req.baseUrl + req.route?.path).toLowerCase() });
  app.use('/webhooks', webhookRoutes(c.metaWebhooks, c.customWebhooks, c.twilioWebhooks, { bodyLimitBytes: config.bodyLimitBytes, rateLimit: webhookLimit }));

  app.use(healthRoutes(container));
  app.use(metricsRoutes(container.metrics, config.metricsToken));
  const openapi = YAML.parse(fs.readFileSync(OPENAPI_PATH, 'utf8'));
  app.get('/openapi.json', (_req, res) => res.json(openapi));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi));

  const api = express.Router();
  api.use(express.json({ limit: config.bodyLimitBytes }));
  api.use('/channels', qrImageRoutes(c.channels));
  api.use(authenticate(container.jwt));
  api.use(rateLimit({ ...limits, scope: 'rest', limit: config.rateLimit.restPerMinute, windowSeconds: 60, keyOf: (req) => req.user && `${req.user.companyId}:${req.user.id}` }));
  api.use('/companies', companyRoutes(c.companies));
  api.use('/channels/conversations', conversationRoutes(c.conversations));
  api.use('/channels/messages', messageRoutes(c.messages));
  api.use('/channels/media', mediaRoutes(c.media));
  api.use('/channels', channelRoutes(c.channels));
  api.use('/webhooks', webhookSubscriptionRoutes(c.webhookSubscriptions));
  app.use('/api', api);

  app.use(notFoundHandler);
  app.use(errorMiddleware(logger));
  return app;
}

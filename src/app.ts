import fs from 'node:fs';
import path from 'node:path';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import YAML from 'yaml';
import { authenticate } from './shared/auth/auth.middleware';
import { errorMiddleware, notFoundHandler } from './shared/http/error.middleware';
import { requestId } from './shared/http/request-id.middleware';
import { requestLog } from './shared/http/request-log.middleware';
import type { ChannelsContainer } from './modules/channels/infrastructure/channels.container';
import { healthRoutes } from './modules/channels/infrastructure/routes/health.routes';
import { channelRoutes, qrImageRoutes } from './modules/channels/infrastructure/routes/channel.routes';
import { companyRoutes } from './modules/channels/infrastructure/routes/company.routes';
import { conversationRoutes } from './modules/channels/infrastructure/routes/conversation.routes';
import { mediaRoutes } from './modules/channels/infrastructure/routes/media.routes';
import { messageRoutes } from './modules/channels/infrastructure/routes/message.routes';
import { webhookRoutes } from './modules/channels/infrastructure/routes/webhook.routes';
import { webhookSubscriptionRoutes } from './modules/channels/infrastructure/routes/webhook-subscription.routes';

/** Path of the API description served at /docs. */
export const OPENAPI_PATH = path.resolve(__dirname, '..', 'openapi.yaml');

/** Builds the Express app from a container; no listen (tests use it directly). */
export function createApp(container: ChannelsContainer): Express {
  const { controllers: c, logger, config } = container;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  app.use(requestLog(logger));

  app.use(healthRoutes(container));
  const openapi = YAML.parse(fs.readFileSync(OPENAPI_PATH, 'utf8'));
  app.get('/openapi.json', (_req, res) => res.json(openapi));
  // Swagger UI needs inline scripts, so helmet's CSP is relaxed for /docs only.
  app.use('/docs', helmet({ contentSecurityPolicy: false }), swaggerUi.serve, swaggerUi.setup(openapi));

  app.use(helmet());
  app.use(cors({ origin: config.corsOrigins === '*' ? '*' : config.corsOrigins, exposedHeaders: ['X-Request-Id'] }));
  app.use('/webhooks', webhookRoutes(c.metaWebhooks, c.customWebhooks, c.twilioWebhooks));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use('/channels', qrImageRoutes(c.channels));
  api.use(authenticate(container.jwt));
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

# syntax=docker/dockerfile:1

# ---- base: shared settings -------------------------------------------------------------------
FROM node:20-bookworm-slim AS base
# puppeteer (via whatsapp-web.js) must not download its own Chrome: the Debian chromium is used.
ENV PUPPETEER_SKIP_DOWNLOAD=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app

# ---- build: install everything, generate the Prisma client, compile to dist/ ----------------
FROM base AS build
# postinstall runs `node scripts/prisma.js generate`: it needs scripts/, prisma/ and prisma.config.ts.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The generated client (src/generated, excluded from the context) is compiled into dist/.
# `prisma` and `@prisma/client` are runtime dependencies and survive the prune.
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime ---------------------------------------------------------------------------------
FROM base AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates dumb-init \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    CHROMIUM_PATH=/usr/bin/chromium
# /data: embedded database, WhatsApp Web sessions and media. /app itself is writable by `node`
# because whatsapp-web.js may create .wwebjs_auth/ and .wwebjs_cache/ in the working directory.
RUN mkdir -p /data && chown node:node /data /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations are applied at start-up from prisma/migrations.
COPY prisma ./prisma
COPY openapi.yaml package.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/health',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["dumb-init", "node", "dist/main.js"]

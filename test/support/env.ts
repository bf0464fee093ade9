// Loaded before every test file: a fixed, test-only environment (never a developer's data).
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.TEST_DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/axi_channels_test';
process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379/15';
process.env.JWT_SECRET = 'test-jwt-secret-0123456789abcdef';
process.env.CREDENTIALS_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
// Many suites reuse company 1 / agent 1 within a minute on one Redis: the limiters still count on
// every request, but with budgets no suite reaches; the edge-protection tests set their own.
process.env.RATE_LIMIT_REST_PER_MIN ??= '100000';
process.env.RATE_LIMIT_WEBHOOK_PER_SEC ??= '100000';
// Provider fakes and receivers listen on 127.0.0.1; the SSRF guard is tested with it switched off.
process.env.ALLOW_PRIVATE_URLS ??= 'true';
// Outbound queue: short retry delays so retry stories finish within a test (tests that measure them set their own).
process.env.OUTBOUND_BACKOFF_MS ??= '20';
process.env.OUTBOUND_BACKOFF_MAX_MS ??= '200';
process.env.OUTBOUND_POLL_MS ??= '20';

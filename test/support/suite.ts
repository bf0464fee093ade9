import { useIsolatedDatabase } from './api-helpers';
import { FakeGraphApi } from './fake-graph-api';
import { resetDatabase, startTestApp, type TestApp } from './test-app';

/** What `useAppWithGraph` sets up; `app` and `graph` are filled in by its beforeAll (read them inside hooks and tests only). */
export interface AppWithGraph {
  /** The running app, talking to `graph` as its Meta Graph API. */
  app: TestApp;
  /** The fake Meta Graph API, reset before each test. */
  graph: FakeGraphApi;
  /** Stops the app and starts a new one on the same fake (for tests that need the app's in-memory state fresh). */
  restartApp(): Promise<void>;
}

export interface AppWithGraphOptions {
  /** Runs the suite on its own migrated database (see useIsolatedDatabase), dropped after the suite. */
  isolatedDatabase?: boolean;
}

/**
 * Registers the usual suite hooks: beforeAll starts a FakeGraphApi and the app pointed at it (on an
 * isolated database if asked), afterAll stops both (and drops that database), and beforeEach empties
 * the database and resets the fake. Call it at the top of a describe, before the suite's own hooks.
 */
export function useAppWithGraph(options: AppWithGraphOptions = {}): AppWithGraph {
  let dropIsolatedDatabase: (() => Promise<void>) | undefined;
  const start = () => startTestApp({ META_GRAPH_BASE_URL: ctx.graph.url });
  const ctx = {
    async restartApp() {
      await ctx.app.stop();
      ctx.app = await start();
    },
  } as AppWithGraph;

  beforeAll(async () => {
    if (options.isolatedDatabase) dropIsolatedDatabase = await useIsolatedDatabase();
    ctx.graph = await new FakeGraphApi().start();
    ctx.app = await start();
  });
  afterAll(async () => {
    await ctx.app?.stop();
    await ctx.graph?.stop();
    await dropIsolatedDatabase?.();
  });
  beforeEach(async () => {
    await resetDatabase();
    ctx.graph.reset();
  });

  return ctx;
}

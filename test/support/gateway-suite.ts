import type { Server, Socket as ServerSocket } from 'socket.io';
import { closeOpenSockets } from './gateway-client';
import { registerScriptedProvider, type ScriptedProviders } from './scripted-provider';
import { useAppWithGraph, type AppWithGraph } from './suite';
import { sql, type TestApp } from './test-app';

/** What useGatewaySuite sets up (filled in by its hooks; read inside hooks and tests only). */
export interface GatewaySuite extends AppWithGraph {
  /** The ScriptedProvider instances of the app (CUSTOM WEBCHAT channels). */
  scripted: ScriptedProviders;
}

/**
 * Company ids of this jest worker start far from 1 and from other workers' ids. Apps of parallel
 * suites share one Redis database, so the Socket.IO Redis adapter carries a `company:<id>` room's
 * events to every suite's sockets of that id; unique ids keep suites from seeing each other's events.
 */
export async function offsetCompanyIds(): Promise<void> {
  const base = 1_000_000 + (process.pid % 2_000_000) * 1000;
  await sql(`SELECT setval(pg_get_serial_sequence('companies', 'id'), $1)`, [base]);
}

/**
 * useAppWithGraph on an isolated database, with ScriptedProvider registered for CUSTOM WEBCHAT,
 * company ids unique to this worker, and every socket opened with openSocket closed after each test.
 */
export function useGatewaySuite(): GatewaySuite {
  const ctx = useAppWithGraph({ isolatedDatabase: true }) as GatewaySuite;
  beforeAll(() => {
    ctx.scripted = registerScriptedProvider(ctx.app);
  });
  beforeEach(async () => {
    await offsetCompanyIds();
  });
  afterEach(() => {
    closeOpenSockets();
  });
  return ctx;
}

/**
 * White-box: the server-side socket of a connected client (same id on both sides), read from the
 * gateway's Socket.IO server, for checks no event can show (e.g. listeners piling up).
 */
export function serverSocketOf(app: TestApp, namespace: string, socketId: string): ServerSocket | undefined {
  const io = (app.container.gateway as unknown as { io?: Server }).io;
  if (!io) throw new Error('gateway has no Socket.IO server (its private `io` field moved?)');
  return io.of(namespace).sockets.get(socketId);
}

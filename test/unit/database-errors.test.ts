import { ServiceUnavailableError, ValidationError } from '../../src/shared/errors/app-error';
import { isDatabaseUnavailable } from '../../src/shared/database/database-errors';

const adapter = (cause: Record<string, unknown>) => ({ code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause } } });

describe('isDatabaseUnavailable (which errors become 503 DATABASE_UNAVAILABLE)', () => {
  it.each([
    ['Prisma P1001 (can\'t reach the server)', { code: 'P1001', message: "Can't reach database server at 127.0.0.1:5432" }],
    ['Prisma P2024 (pool timeout)', { code: 'P2024', message: 'Timed out fetching a new connection from the connection pool' }],
    ['a driver adapter DatabaseNotReachable inside a raw query error', adapter({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })],
    ['a driver adapter ConnectionClosed', adapter({ kind: 'ConnectionClosed' })],
    ['PostgreSQL 57P01 (admin shutdown) from the adapter', adapter({ kind: 'postgres', originalCode: '57P01' })],
    ['pg 57P03 (the database system is starting up)', { code: '57P03', message: 'the database system is starting up' }],
    ['ECONNREFUSED deep in the cause chain', new Error('query failed', { cause: new Error('connect', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }) })],
    ['pg-pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg connection terminated', new Error('Connection terminated unexpectedly')],
    ['an AggregateError of refused connections', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'all failed')],
  ])('when the error is %s, then it is a database outage', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', { code: 'P2002', message: 'Unique constraint failed' }],
    ['a PostgreSQL syntax error', adapter({ kind: 'postgres', originalCode: '42601' })],
    ['a validation error', new ValidationError('bad')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
  ])('when the error is %s, then it is not', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('when a ServiceUnavailableError is built, then it is a 503 DATABASE_UNAVAILABLE with a Retry-After', () => {
    const e = new ServiceUnavailableError(new Error('x'));
    expect([e.statusCode, e.code, e.retryAfterSeconds]).toEqual([503, 'DATABASE_UNAVAILABLE', 5]);
  });
});

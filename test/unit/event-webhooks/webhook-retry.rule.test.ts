import { loadConfig } from '../../../src/config/config';
import { outcomeOf } from '../../../src/modules/channels/application/services/webhook-delivery.worker';
import { nextRetryDelayMs, retryWindowMs } from '../../../src/modules/channels/domain/webhook-retry.rule';
import { can, type AuthUser } from '../../../src/shared/auth/permissions';

const HOUR = 3_600_000;
const policy = { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 6 };

describe('event webhook retry rule', () => {
  it('when attempts fail, then the delay doubles up to its ceiling', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => nextRetryDelayMs(a, policy, () => 0))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('when jitter applies, then it only adds (at most 20%)', () => {
    expect(nextRetryDelayMs(2, policy, () => 0.999)).toBeGreaterThan(2000);
    expect(nextRetryDelayMs(2, policy, () => 0.999)).toBeLessThanOrEqual(2400);
  });

  it('when the configuration is the default, then a failing delivery is retried for more than 24 hours before it is dead', () => {
    const { retry } = loadConfig({ ...process.env }).eventWebhooks;
    expect(retryWindowMs(retry)).toBeGreaterThanOrEqual(24 * HOUR);
  });

  it('when an attempt fails before the last one, then it is retried; at the last one, it is dead; a 2xx is delivered', () => {
    expect(outcomeOf({ ok: false, error: 'HTTP 500', statusCode: 500 }, 5, policy)).toMatchObject({ kind: 'retry', delayMs: expect.any(Number), statusCode: 500 });
    expect(outcomeOf({ ok: false, error: 'HTTP 500', statusCode: 500 }, 6, policy)).toEqual({ kind: 'dead', error: 'HTTP 500', statusCode: 500 });
    expect(outcomeOf({ ok: true, statusCode: 204 }, 6, policy)).toEqual({ kind: 'delivered', statusCode: 204 });
  });

  it('when roles are checked, then only admins (and explicit grants) manage webhooks', () => {
    const user = (role: AuthUser['role'], permissions: string[] = []): AuthUser => ({ id: '1', companyId: 1, role, permissions });
    expect(['superadmin', 'admin', 'supervisor', 'agent'].map((r) => can(user(r as AuthUser['role']), 'webhooks:manage'))).toEqual([true, true, false, false]);
    expect(can(user('agent', ['webhooks:manage']), 'webhooks:manage')).toBe(true);
  });
});

import Redis from 'ioredis';
import { RedisCacheStore, type CounterValue } from '../../../src/shared/cache/cache-store';
import { RateBudget } from '../../../src/shared/http/rate-budget';

describe('RateBudget: large budgets reserved from the shared counter in chunks', () => {
  let redis: Redis;
  let store: RedisCacheStore;
  const key = `budget:${process.pid}`;

  beforeAll(async () => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
    await new Promise((r) => redis.once('ready', r));
    store = new RedisCacheStore(redis, 'axi:rl:test:');
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    await store.del(key);
  });

  it('when two instances spend a budget of 1,000 with 1,500 requests at once, then at most 1,000 pass, hardly fewer, and the store is asked about once per 10', async () => {
    let calls = 0;
    const counted = (p: Promise<CounterValue>) => (calls++, p);
    const a = new RateBudget(store, 1000, 60, counted);
    const b = new RateBudget(store, 1000, 60, counted);
    const answers = await Promise.all(Array.from({ length: 1500 }, (_, i) => (i % 2 ? a : b).take(key)));
    const allowed = answers.filter((x) => x.allowed).length;
    expect(allowed).toBeLessThanOrEqual(1000);
    // At most one chunk per instance is left reserved and unspent.
    expect(allowed).toBeGreaterThanOrEqual(1000 - 2 * 10);
    expect(calls).toBeLessThan(1500 / 5);
    const refused = answers.filter((x) => !x.allowed);
    expect(refused.every((x) => x.remaining === 0 && x.resetMs > 0 && x.resetMs <= 60_000)).toBe(true);
  });

  it('when the window ends, then a fresh budget starts', async () => {
    const budget = new RateBudget(store, 200, 1);
    const first = await Promise.all(Array.from({ length: 250 }, () => budget.take(key)));
    expect(first.filter((x) => x.allowed)).toHaveLength(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await budget.take(key)).allowed).toBe(true);
  });

  it('when the budget is small, then every request is counted in the store (exact, as before)', async () => {
    const budget = new RateBudget(store, 5, 60);
    const answers = await Promise.all(Array.from({ length: 8 }, () => budget.take(key)));
    expect(answers.filter((x) => x.allowed)).toHaveLength(5);
    expect(await redis.get(`axi:rl:test:${key}`)).toBe('8');
  });

  it('when the store fails, then take rejects (the middleware lets the request through)', async () => {
    const failing = new RateBudget(store, 1000, 60, () => Promise.reject(new Error('down')));
    await expect(failing.take(key)).rejects.toThrow('down');
  });
});

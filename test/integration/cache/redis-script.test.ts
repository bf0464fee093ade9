import crypto from 'node:crypto';
import Redis from 'ioredis';
import { runScript } from '../../../src/shared/cache/redis-script';

const LUA = `return redis.call('INCRBY', KEYS[1], ARGV[1])`;
const SHA = crypto.createHash('sha1').update(LUA).digest('hex');

describe('runScript (EVALSHA, with the body sent only when Redis lacks it)', () => {
  let redis: Redis;
  const key = `axi-test:script:${process.pid}`;

  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('when Redis has forgotten its scripts (SCRIPT FLUSH, a restart), then the script still runs and is cached under its SHA1 again', async () => {
    await redis.del(key);
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', SHA)).toEqual([0]);
    expect(await runScript(redis, LUA, [key], [2])).toBe(2);
    expect(await redis.script('EXISTS', SHA)).toEqual([1]);
    expect(await runScript(redis, LUA, [key], [3])).toBe(5);
  });

  it("when the script itself fails, then the caller gets the script's error", async () => {
    await redis.set(key, 'not a number');
    await expect(runScript(redis, LUA, [key], [1])).rejects.toThrow(/not an integer/);
  });
});

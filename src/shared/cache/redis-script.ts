import crypto from 'node:crypto';
import type Redis from 'ioredis';

const shas = new Map<string, string>();

/**
 * Runs a Lua script by its SHA1 (EVALSHA), sending the body only when Redis does not have it yet
 * (after a restart or SCRIPT FLUSH): the hot scripts (rate-limit counters, send tokens) run thousands
 * of times a second, and EVAL would ship and hash the whole body every time.
 */
export async function runScript(redis: Redis, lua: string, keys: string[], args: Array<string | number>): Promise<unknown> {
  let sha = shas.get(lua);
  if (!sha) {
    sha = crypto.createHash('sha1').update(lua).digest('hex');
    shas.set(lua, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}

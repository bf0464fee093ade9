/** Deeper payload parts are replaced by a marker: jsonb and JSON.stringify both have limits. */
const MAX_DEPTH = 32;

/** A string PostgreSQL accepts: no NUL, no lone UTF-16 surrogate. */
export function storableString(s: string): string {
  return s.replace(/\u0000/g, '').toWellFormed();
}

/**
 * A copy of untrusted JSON (a provider payload) that jsonb can store: strings and keys cleaned,
 * nesting cut at MAX_DEPTH. Iterative, so hostile depth cannot overflow the stack.
 */
export function storableJson(value: unknown): unknown {
  const root: { v: unknown } = { v: undefined };
  const stack: { src: unknown; set: (v: unknown) => void; depth: number }[] = [{ src: value, set: (v) => (root.v = v), depth: 0 }];
  while (stack.length) {
    const { src, set, depth } = stack.pop()!;
    if (typeof src === 'string') set(storableString(src));
    else if (src === null || typeof src !== 'object') set(typeof src === 'number' && !Number.isFinite(src) ? null : src ?? null);
    else if (depth >= MAX_DEPTH) set('[truncated]');
    else if (Array.isArray(src)) {
      const out: unknown[] = new Array(src.length);
      set(out);
      src.forEach((item, i) => stack.push({ src: item, set: (v) => (out[i] = v), depth: depth + 1 }));
    } else {
      const out: Record<string, unknown> = {};
      set(out);
      for (const [k, item] of Object.entries(src)) {
        const key = storableString(k);
        stack.push({ src: item, set: (v) => (out[key] = v), depth: depth + 1 });
      }
    }
  }
  return root.v;
}

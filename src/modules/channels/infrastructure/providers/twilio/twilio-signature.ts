import twilio from 'twilio';

/** Form fields as the twilio helpers take them: a repeated field is a list. */
export type TwilioParams = Record<string, string | string[]>;

/** What signs a webhook: the URL Twilio called, the body, and the two signature headers. */
export interface TwilioSignedRequest {
  /** The public URL Twilio called (PUBLIC_BASE_URL + path and query), not the one this process sees behind a proxy. */
  url: string;
  rawBody: Buffer;
  params: TwilioParams;
  /** `X-Twilio-Signature`. */
  signature?: string;
  /** `X-Twilio-Webhooks-Signature-Settings`: present when a Webhook Setting signs with a SharedKey (and names the algorithm). */
  settings?: string;
}

/** The secrets of a channel: the auth token, and the SharedKey secret of a Webhook Setting when one signs its webhooks. */
export interface TwilioWebhookSecrets {
  authToken: string;
  signingSecret?: string;
}

const SUPPORTED = new Set([twilio.HMAC_SHA1, twilio.HMAC_SHA256]);

/**
 * Parses a form body the way Twilio encodes it (a repeated field becomes a list). It runs before
 * the signature check, so it stays linear (lists are appended to, never copied) and only counts
 * fields the body really has (a Map: `toString`, `constructor`, `__proto__` are plain field names).
 */
export function parseTwilioForm(rawBody: Buffer): TwilioParams {
  const fields = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) {
    const values = fields.get(k);
    if (values) values.push(v);
    else fields.set(k, [v]);
  }
  // fromEntries defines own properties, so even `__proto__` stays a field the signature covers.
  return Object.fromEntries([...fields].map(([k, vs]) => [k, vs.length === 1 ? vs[0] : vs]));
}

/**
 * Verifies `X-Twilio-Signature` with the twilio package's own helpers, which accept the URL with
 * and without its default port. HMAC-SHA1 with the auth token by default; when Twilio announces a
 * SharedKey signature (settings header) the named algorithm (HMAC-SHA256) with the SharedKey secret,
 * or the auth token when none is configured. JSON bodies signed through `bodySHA256` are checked
 * with `validateRequestWithBody`.
 */
export function verifyTwilioSignature(req: TwilioSignedRequest, secrets: TwilioWebhookSecrets): boolean {
  if (!req.signature) return false;
  const algorithm = twilio.getSignatureAlgorithm(req.settings);
  // Checked here so an unknown algorithm is a plain refusal (the helper would also print a warning).
  if (!SUPPORTED.has(algorithm.toUpperCase())) return false;
  const secret = req.settings ? (secrets.signingSecret ?? secrets.authToken) : secrets.authToken;
  try {
    if (new URL(req.url).searchParams.has('bodySHA256')) {
      return twilio.validateRequestWithBody(secret, req.signature, req.url, req.rawBody.toString('utf8'), algorithm);
    }
    return twilio.validateRequest(secret, req.signature, req.url, req.params, algorithm);
  } catch {
    return false;
  }
}

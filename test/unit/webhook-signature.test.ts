import crypto from 'node:crypto';
import { sign, verify } from '../../src/shared/crypto/webhook-signature';

const SECRET = 'unit-test-secret-0123456789';
const BODY = Buffer.from('{"id":"m1","text":"hola"}');
const NOW = 1_800_000_000;

/** The scheme as documented, computed here with node:crypto only. */
function documented(secret: string, t: number, raw: Buffer): string {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${raw.toString('utf8')}`).digest('hex')}`;
}

describe('webhook signature (t=<unix>,v1=<hex HMAC-SHA256 of "t.rawBody">)', () => {
  it('when a body is signed, then the header is the documented HMAC-SHA256 of "timestamp.rawBody"', () => {
    expect(sign(SECRET, NOW, BODY)).toBe(documented(SECRET, NOW, BODY));
    expect(sign(SECRET, NOW, BODY.toString('utf8'))).toBe(documented(SECRET, NOW, BODY));
  });

  it('when the documented header is checked within the window, then it is valid (either side of now)', () => {
    expect(verify(documented(SECRET, NOW, BODY), SECRET, BODY, NOW, 300)).toBe('valid');
    expect(verify(documented(SECRET, NOW - 300, BODY), SECRET, BODY, NOW, 300)).toBe('valid');
    expect(verify(documented(SECRET, NOW + 300, BODY), SECRET, BODY, NOW, 300)).toBe('valid');
  });

  it('when the timestamp is more than the tolerance away, then it is stale', () => {
    expect(verify(documented(SECRET, NOW - 301, BODY), SECRET, BODY, NOW, 300)).toBe('stale');
    expect(verify(documented(SECRET, NOW + 301, BODY), SECRET, BODY, NOW, 300)).toBe('stale');
  });

  it('when the secret, the body or the timestamp differ from what was signed, then it is a mismatch', () => {
    expect(verify(documented('another-secret-0123456789', NOW, BODY), SECRET, BODY, NOW, 300)).toBe('mismatch');
    expect(verify(documented(SECRET, NOW, BODY), SECRET, Buffer.from('{"id":"m2","text":"hola"}'), NOW, 300)).toBe('mismatch');
    const moved = documented(SECRET, NOW, BODY).replace(`t=${NOW}`, `t=${NOW + 1}`);
    expect(verify(moved, SECRET, BODY, NOW, 300)).toBe('mismatch');
  });

  it('when the header is missing or malformed, then it says so', () => {
    expect(verify(undefined, SECRET, BODY, NOW, 300)).toBe('missing');
    expect(verify('', SECRET, BODY, NOW, 300)).toBe('missing');
    const hex = documented(SECRET, NOW, BODY).split('v1=')[1];
    expect(verify(`v1=${hex}`, SECRET, BODY, NOW, 300)).toBe('malformed');
    expect(verify(`t=${NOW}`, SECRET, BODY, NOW, 300)).toBe('malformed');
    expect(verify(`t=${NOW},v1=${hex.slice(0, 63)}z`, SECRET, BODY, NOW, 300)).toBe('malformed');
    expect(verify(`sha256=${hex}`, SECRET, BODY, NOW, 300)).toBe('malformed');
  });

  it('when several v1 signatures are sent (secret rotation), then one match is enough', () => {
    const good = documented(SECRET, NOW, BODY).split('v1=')[1];
    const other = documented('old-secret-0123456789abc', NOW, BODY).split('v1=')[1];
    expect(verify(`t=${NOW},v1=${other},v1=${good}`, SECRET, BODY, NOW, 300)).toBe('valid');
    expect(verify(`t=${NOW},v1=${other}`, SECRET, BODY, NOW, 300)).toBe('mismatch');
  });
});

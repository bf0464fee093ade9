import crypto from 'node:crypto';
import { CredentialsCipher } from '../../src/shared/crypto/credentials-cipher';

describe('credentials cipher (AES-256-GCM)', () => {
  const cipher = new CredentialsCipher(crypto.randomBytes(32));
  const secret = { accessToken: 'EAAG-very-secret', appSecret: 'shh' };

  it('when encrypted, then the ciphertext holds no plain value and decrypts back', () => {
    const c = cipher.encrypt(secret);
    expect(c).not.toContain('very-secret');
    expect(c.startsWith('v1:')).toBe(true);
    expect(cipher.decrypt(c)).toEqual(secret);
  });

  it('when encrypted twice, then the ciphertexts differ (random IV)', () => {
    expect(cipher.encrypt(secret)).not.toEqual(cipher.encrypt(secret));
  });

  it('when the ciphertext is tampered with or the key differs, then decryption fails', () => {
    const c = cipher.encrypt(secret);
    const parts = c.split(':');
    const ct = Buffer.from(parts[3], 'base64');
    ct[0] ^= 1;
    expect(() => cipher.decrypt([parts[0], parts[1], parts[2], ct.toString('base64')].join(':'))).toThrow();
    expect(() => new CredentialsCipher(crypto.randomBytes(32)).decrypt(c)).toThrow();
  });
});

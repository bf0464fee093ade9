import crypto from 'node:crypto';

const VERSION = 'v1';

/** AES-256-GCM encryption of credential objects at rest. */
export class CredentialsCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('credentials key must be 32 bytes');
  }

  /** Encrypts a JSON value into "v1:iv:tag:ciphertext" (base64 parts). */
  encrypt(value: unknown): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
  }

  /** Decrypts what `encrypt` produced; throws if it was tampered with or the key differs. */
  decrypt<T = Record<string, unknown>>(payload: string): T {
    const [version, iv, tag, ct] = payload.split(':');
    if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('unrecognised credentials format');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Secrets generated for a local run without configuration, kept so tokens and credentials survive restarts. */
export interface DevSecrets {
  jwtSecret: string;
  credentialsEncryptionKey: string;
}

/** Loads DATA_DIR/secrets.json, creating it (mode 0600) on first use. */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DevSecrets;
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets: DevSecrets = {
    jwtSecret: crypto.randomBytes(32).toString('base64url'),
    credentialsEncryptionKey: crypto.randomBytes(32).toString('base64'),
  };
  // 'wx' so two processes starting together cannot overwrite each other's secrets.
  try {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DevSecrets;
  }
  return secrets;
}

/** Loads `.env` from the working directory into process.env, if present (existing variables win). */
export function loadDotEnvFile(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

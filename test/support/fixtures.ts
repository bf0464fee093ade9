import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(__dirname, '..', 'fixtures');

/** The exact bytes of a provider fixture (copied from shared/fixtures; send them byte for byte). */
export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(DIR, name));
}

/** A fixture parsed as JSON. */
export function fixtureJson<T = any>(name: string): T {
  return JSON.parse(fixture(name).toString('utf8')) as T;
}

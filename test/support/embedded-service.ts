import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');

/** A running `node dist/main.js`: its URLs, the printed admin token and everything it wrote. */
export interface Started {
  child: ChildProcess;
  apiUrl: string;
  baseUrl: string;
  token: string;
  output: () => string;
}

/** Starts `node dist/main.js` as `npm start` does (after its build step), in embedded mode with no external service. */
export function startService(dataDir: string, graphUrl: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  if (!fs.existsSync(MAIN)) throw new Error('dist/main.js missing: run `npm run build` (npm test does it in pretest)');
  // A clean environment: no DATABASE_URL, REDIS_URL or secrets, exactly like a fresh machine.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', META_GRAPH_BASE_URL: graphUrl, ...extraEnv };
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`service exited with ${code}:\n${out}`)));
    const check = setInterval(() => {
      const api = /API:\s+(\S+)/.exec(out);
      const token = /Admin token[^\n]*\n\s*(\S+)/.exec(out);
      if (api && token) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, apiUrl: api[1], baseUrl: api[1].replace(/\/api$/, ''), token: token[1], output: () => out });
      }
    }, 50);
  });
}

/** Stops the service with SIGTERM; resolves with its exit code. */
export function stopService(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}


import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { loadDotEnvFile } from '../config/dev-secrets';
import { JwtService } from '../shared/auth/jwt.service';
import { ROLES, type Role } from '../shared/auth/permissions';

/** `npm run token -- --company 1 --role agent --sub 7 [--permissions a:b,c:d] [--expires 24h]`: prints an access token. */
function run(): void {
  const { values } = parseArgs({
    options: {
      company: { type: 'string', default: '1' },
      role: { type: 'string', default: 'admin' },
      sub: { type: 'string', default: '1' },
      permissions: { type: 'string' },
      expires: { type: 'string', default: '24h' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run -s token -- --company <id> --role <superadmin|admin|supervisor|agent> --sub <user id> [--permissions a:b,c:d] [--expires 24h]\n');
    return;
  }
  const companyId = Number(values.company);
  if (!Number.isInteger(companyId) || companyId < 1) throw new Error('--company must be a positive integer');
  if (!ROLES.includes(values.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  loadDotEnvFile();
  const config = loadConfig();
  const token = new JwtService(config.jwtSecret).sign(
    { sub: values.sub!, company_id: companyId, role: values.role as Role, permissions: values.permissions?.split(',').filter(Boolean) },
    values.expires,
  );
  process.stdout.write(token + '\n');
}

try {
  run();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

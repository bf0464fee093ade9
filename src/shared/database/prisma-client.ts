import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';

/** Creates the Prisma client over node-postgres (no native engine at run time). */
export function createPrismaClient(connectionString: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max: poolSize, connectionTimeoutMillis: 5000 });
  return new PrismaClient({ adapter });
}

export { PrismaClient };

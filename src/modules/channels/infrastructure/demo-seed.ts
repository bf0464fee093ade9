import type { PrismaClient } from '../../../shared/database/prisma-client';

const DEMO_ADMIN_EMAIL = 'admin@demo.local';

/** The demo tenant's admin, for the token printed at an embedded start. */
export interface DemoAdmin {
  companyId: number;
  agentId: number;
  email: string;
}

/** Creates a demo company and admin agent when the database has no company yet; returns the demo admin. */
export async function ensureDemoTenant(prisma: PrismaClient): Promise<DemoAdmin | null> {
  if ((await prisma.company.count()) === 0) {
    await prisma.company.create({
      data: { name: 'Demo Company', agents: { create: { name: 'Demo Admin', email: DEMO_ADMIN_EMAIL, role: 'admin' } } },
    });
  }
  const admin = await prisma.agent.findFirst({ where: { email: DEMO_ADMIN_EMAIL, role: 'admin' } });
  return admin ? { companyId: admin.companyId, agentId: admin.id, email: admin.email } : null;
}

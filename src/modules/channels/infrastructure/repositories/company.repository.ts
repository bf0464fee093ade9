import type { PrismaClient } from '../../../../generated/prisma/client';
import { ConflictError } from '../../../../shared/errors/app-error';
import type { AgentEntity, CompanyEntity, CompanyRepository } from '../../domain/repositories/company.repository.interface';
import { isUniqueViolation } from './prisma-errors';

/** Prisma implementation of CompanyRepository. */
export class PrismaCompanyRepository implements CompanyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  createCompany(name: string): Promise<CompanyEntity> {
    return this.prisma.company.create({ data: { name } });
  }

  findCompany(id: number): Promise<CompanyEntity | null> {
    return this.prisma.company.findUnique({ where: { id } });
  }

  countCompanies(): Promise<number> {
    return this.prisma.company.count();
  }

  async createAgent(input: { companyId: number; name: string; email: string; role: AgentEntity['role']; permissions: string[] }): Promise<AgentEntity> {
    try {
      return (await this.prisma.agent.create({ data: input })) as AgentEntity;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('An agent with this email already exists', 'AGENT_EMAIL_TAKEN');
      throw err;
    }
  }

  async findAgent(id: number, companyId: number): Promise<AgentEntity | null> {
    return (await this.prisma.agent.findFirst({ where: { id, companyId } })) as AgentEntity | null;
  }
}

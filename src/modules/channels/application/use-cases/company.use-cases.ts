import { NotFoundError } from '../../../../shared/errors/app-error';
import type { AgentEntity, CompanyEntity, CompanyRepository } from '../../domain/repositories/company.repository.interface';
import type { CreateAgentDto, CreateCompanyDto } from '../../shared/dtos/company.dto';

/** Tenant administration (superadmin only; the routes enforce it). */
export class CompanyUseCases {
  constructor(private readonly companies: CompanyRepository) {}

  createCompany(dto: CreateCompanyDto): Promise<CompanyEntity> {
    return this.companies.createCompany(dto.name);
  }

  async createAgent(companyId: number, dto: CreateAgentDto): Promise<AgentEntity> {
    if (!(await this.companies.findCompany(companyId))) throw new NotFoundError('Company');
    return this.companies.createAgent({ companyId, name: dto.name, email: dto.email, role: dto.role, permissions: dto.permissions ?? [] });
  }
}

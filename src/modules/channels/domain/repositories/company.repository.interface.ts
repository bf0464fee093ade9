import type { Role } from '../../../../shared/auth/permissions';

export interface CompanyEntity {
  id: number;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AgentEntity {
  id: number;
  companyId: number;
  name: string;
  email: string;
  role: Role;
  permissions: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** Port for tenants and their agents. */
export interface CompanyRepository {
  createCompany(name: string): Promise<CompanyEntity>;
  findCompany(id: number): Promise<CompanyEntity | null>;
  countCompanies(): Promise<number>;
  /** A duplicate e-mail is a ConflictError. */
  createAgent(input: { companyId: number; name: string; email: string; role: Role; permissions: string[] }): Promise<AgentEntity>;
  findAgent(id: number, companyId: number): Promise<AgentEntity | null>;
}

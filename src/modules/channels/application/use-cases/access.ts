import { ForbiddenError, ValidationError } from '../../../../shared/errors/app-error';
import { canAccessCompany, type AuthUser } from '../../../../shared/auth/permissions';
import type { CompanyRepository } from '../../domain/repositories/company.repository.interface';

/** The company a write targets: the body's company_id if allowed, else the caller's own (403 for another company). */
export function targetCompany(user: AuthUser, bodyCompanyId: number | undefined): number {
  const companyId = bodyCompanyId ?? user.companyId;
  if (!canAccessCompany(user, companyId)) throw new ForbiddenError('company_id belongs to another company', 'FORBIDDEN_COMPANY');
  return companyId;
}

/** A superadmin may filter a list by company; everyone else is held to their own. */
export function listScope(user: AuthUser, queryCompanyId: number | undefined): number | undefined {
  if (user.role === 'superadmin') return queryCompanyId;
  if (queryCompanyId !== undefined && queryCompanyId !== user.companyId) throw new ForbiddenError('company_id belongs to another company', 'FORBIDDEN_COMPANY');
  return user.companyId;
}

/** 400 unless `agentId` is an agent of `companyId`. */
export async function assertAgentOfCompany(companies: CompanyRepository, agentId: number | null | undefined, companyId: number, field: string): Promise<void> {
  if (agentId === null || agentId === undefined) return;
  const agent = await companies.findAgent(agentId, companyId);
  if (!agent) throw new ValidationError('Invalid agent', [{ field, message: `${field} is not an agent of this company` }], 'INVALID_AGENT');
}

import type { Role } from '../../../../shared/auth/permissions';

/** Body of POST /api/companies. */
export interface CreateCompanyDto {
  name: string;
}

/** Body of POST /api/companies/:id/agents. */
export interface CreateAgentDto {
  name: string;
  email: string;
  role: Role;
  permissions?: string[];
}

import { Router } from 'express';
import { authorize } from '../../../../shared/auth/auth.middleware';
import { validate } from '../../../../shared/http/validate.middleware';
import { companyIdParams, createAgentBody, createCompanyBody } from '../../shared/validators/company.schema';
import type { CompanyController } from '../controllers/company.controller';

/** /api/companies (superadmin only). */
export function companyRoutes(c: CompanyController): Router {
  const r = Router();
  r.post('/', authorize('companies:create'), validate({ body: createCompanyBody }), c.createCompany);
  r.post('/:id/agents', authorize('companies:update'), validate({ params: companyIdParams, body: createAgentBody }), c.createAgent);
  return r;
}

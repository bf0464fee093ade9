import Joi from 'joi';
import { ROLES } from '../../../../shared/auth/permissions';
import { companyId } from './common.schema';

/** POST /api/companies body. */
export const createCompanyBody = Joi.object({ name: Joi.string().trim().min(1).max(255).required() });

/** `:id` of a company. */
export const companyIdParams = Joi.object({ id: companyId.required() });

/** POST /api/companies/:id/agents body. */
export const createAgentBody = Joi.object({
  name: Joi.string().trim().min(1).max(255).required(),
  email: Joi.string().trim().lowercase().email({ tlds: false }).max(320).required(),
  role: Joi.string().valid(...ROLES).default('agent'),
  permissions: Joi.array().items(Joi.string().pattern(/^[a-z_]+:[a-z_*]+$/)).max(50).default([]),
});

import Joi from 'joi';

/** A UUID route or body id. */
export const uuid = Joi.string().guid({ version: ['uuidv4', 'uuidv7', 'uuidv1'] });

/** `:id` params. */
export const idParams = Joi.object({ id: uuid.required() });

/** Paging shared by list queries; `sortBy` values differ per list. */
export function pagingQuery(sortFields: string[], defaultSort: string, defaultDir: 'asc' | 'desc' = 'desc') {
  return {
    page: Joi.number().integer().min(1).max(1_000_000).default(1),
    limit: Joi.number().integer().min(1).max(100).default(20),
    sortBy: Joi.string().valid(...sortFields).default(defaultSort),
    sortDir: Joi.string().valid('asc', 'desc').default(defaultDir),
  };
}

/** A free-form JSON object with a bounded size (config, metadata). */
export const jsonObject = Joi.object()
  .unknown(true)
  .custom((value, helpers) => (JSON.stringify(value).length > 16_384 ? helpers.error('object.tooLarge') : value))
  .messages({ 'object.tooLarge': '{{#label}} must be at most 16 KB of JSON' });

/** Largest PostgreSQL INTEGER: ids beyond it cannot exist, so they are invalid input, not a database error. */
export const MAX_INT_ID = 2_147_483_647;
export const companyId = Joi.number().integer().positive().max(MAX_INT_ID);
export const agentId = Joi.number().integer().positive().max(MAX_INT_ID);

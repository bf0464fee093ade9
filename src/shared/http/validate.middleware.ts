import type { RequestHandler } from 'express';
import type Joi from 'joi';
import { ValidationError, type FieldError } from '../errors/app-error';

/** Joi schemas for the three parts of a request; each is validated on its own. */
export interface RequestSchemas {
  body?: Joi.ObjectSchema;
  params?: Joi.ObjectSchema;
  query?: Joi.ObjectSchema;
}

/** Validated, converted input, kept apart from express' raw req fields. */
export interface ValidatedInput {
  body: any;
  params: any;
  query: any;
}

declare module 'express-serve-static-core' {
  interface Request {
    valid: ValidatedInput;
    id: string;
  }
}

function toFieldErrors(part: string, error: Joi.ValidationError): FieldError[] {
  return error.details.map((d) => ({ field: d.path.length ? d.path.join('.') : part, message: d.message.replace(/"/g, "'") }));
}

/** Validates body, params and query with their schemas; unknown keys are rejected with a 400. */
export function validate(schemas: RequestSchemas): RequestHandler {
  return (req, _res, next) => {
    const errors: FieldError[] = [];
    const valid: ValidatedInput = { body: undefined, params: {}, query: {} };
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const input = part === 'body' ? (req.body ?? {}) : req[part];
      const { value, error } = schema.validate(input, { abortEarly: false, convert: true, stripUnknown: false });
      if (error) errors.push(...toFieldErrors(part, error));
      else valid[part] = value;
    }
    if (errors.length) return next(new ValidationError('Validation failed', errors));
    req.valid = valid;
    next();
  };
}

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

/** Deeper input is refused before any recursive processing could overflow the stack. */
export const MAX_DEPTH = 32;

/**
 * Walks the input without recursion and returns the first problem: a string (key or value) holding
 * a NUL character, which PostgreSQL cannot store, or nesting deeper than MAX_DEPTH.
 */
export function findUnstorable(input: unknown): { field: string; message: string } | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    const field = path.join('.') || 'value';
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field, message: `'${field}' must not contain NUL characters` };
      if (!value.isWellFormed()) return { field, message: `'${field}' must be valid Unicode (no lone surrogates)` };
    } else if (value && typeof value === 'object') {
      if (path.length >= MAX_DEPTH) return { field, message: `'${field}' is nested more than ${MAX_DEPTH} levels deep` };
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('\u0000') || !k.isWellFormed()) return { field: [...path, k].join('.'), message: 'keys must not contain NUL characters or lone surrogates' };
        stack.push({ value: v, path: [...path, k] });
      }
    }
  }
  return undefined;
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
      const problem = findUnstorable(input);
      if (problem) {
        errors.push(problem);
        continue;
      }
      const { value, error } = schema.validate(input, { abortEarly: false, convert: true, stripUnknown: false });
      if (error) errors.push(...toFieldErrors(part, error));
      else valid[part] = value;
    }
    if (errors.length) return next(new ValidationError('Validation failed', errors));
    req.valid = valid;
    next();
  };
}

import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import Joi from 'joi';
import { UnauthorizedError } from '../errors/app-error';
import { ROLES, type AuthUser, type Role } from './permissions';

const claimsSchema = Joi.object({
  sub: Joi.alternatives(Joi.string().max(128), Joi.number().integer()).required(),
  company_id: Joi.number().strict().integer().positive().max(2_147_483_647).required(),
  role: Joi.string().valid(...ROLES).required(),
  permissions: Joi.array().items(Joi.string().pattern(/^[a-z_]+:[a-z_*]+$/)).default([]),
  type: Joi.string().valid('access').required().messages({ 'any.only': 'Token type must be access' }),
  exp: Joi.number().required(),
}).unknown(true);

/** Claims we put in tokens we sign (local tokens and the embedded admin token). */
export interface TokenClaims {
  sub: string | number;
  company_id: number;
  role: Role;
  permissions?: string[];
}

/** Signs and verifies HS256 access tokens. */
export class JwtService {
  // Made once: given the string, jsonwebtoken builds a KeyObject on every call (half a millisecond of CPU each).
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** Verifies an access token and returns its user; any problem is a 401 whose message contains "Token". */
  verify(token: string | undefined): AuthUser {
    if (!token) throw new UnauthorizedError('Token missing', 'TOKEN_MISSING');
    let decoded: string | jwt.JwtPayload;
    try {
      // Pinning HS256 refuses alg:none and algorithm-confusion tokens.
      decoded = jwt.verify(token, this.key, { algorithms: ['HS256'] });
    } catch (err) {
      const expired = err instanceof jwt.TokenExpiredError;
      throw new UnauthorizedError(expired ? 'Token expired' : 'Token invalid', expired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
    }
    const { value, error } = claimsSchema.validate(decoded);
    if (error) throw new UnauthorizedError(`Token rejected: ${error.message.replace(/"/g, "'")}`, 'TOKEN_INVALID');
    return { id: String(value.sub), companyId: value.company_id, role: value.role, permissions: value.permissions, expiresAt: value.exp * 1000 };
  }

  /** Signs an access token for `claims` valid for `expiresIn` (e.g. "24h"). */
  sign(claims: TokenClaims, expiresIn: string | number = '24h'): string {
    return jwt.sign({ ...claims, type: 'access' }, this.key, { algorithm: 'HS256', expiresIn: expiresIn as jwt.SignOptions['expiresIn'] });
  }
}

/** Extracts a bearer token from an Authorization header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

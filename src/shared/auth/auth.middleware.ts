import type { RequestHandler } from 'express';
import { ForbiddenError } from '../errors/app-error';
import { bearerToken, type JwtService } from './jwt.service';
import { can, type AuthUser } from './permissions';

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}

/** Requires a valid access token in `Authorization: Bearer`. */
export function authenticate(jwtService: JwtService): RequestHandler {
  return (req, _res, next) => {
    req.user = jwtService.verify(bearerToken(req.headers.authorization));
    next();
  };
}

/** Requires `permission` (role default or explicit grant); 403 otherwise. */
export function authorize(permission: string): RequestHandler {
  return (req, _res, next) => {
    if (!req.user || !can(req.user, permission)) return next(new ForbiddenError(`Missing permission ${permission}`));
    next();
  };
}

/** The authenticated user of a request that passed `authenticate`. */
export function currentUser(req: { user?: AuthUser }): AuthUser {
  if (!req.user) throw new ForbiddenError('Not authenticated');
  return req.user;
}

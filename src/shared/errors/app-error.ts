/** A field-level validation problem reported in a 400 body. */
export interface FieldError {
  field: string;
  message: string;
}

/** Base of every error the service throws on purpose: a stable code, an HTTP status, an optional cause. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    options?: { cause?: unknown; errors?: FieldError[]; details?: Record<string, unknown>; retryAfterSeconds?: number },
  ) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.errors = options?.errors;
    this.details = options?.details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  readonly errors?: FieldError[];
  /** Extra public fields (never internals) to put in the error body. */
  readonly details?: Record<string, unknown>;
  /** Sent as `Retry-After` (seconds): when the caller may try again. */
  readonly retryAfterSeconds?: number;
}

/** 400: the input is invalid. */
export class ValidationError extends AppError {
  constructor(message: string, errors?: FieldError[], code = 'VALIDATION_ERROR') {
    super(code, message, 400, { errors });
  }
}

/** 401: no token, or a token that is not a valid access token. */
export class UnauthorizedError extends AppError {
  constructor(message = 'Token missing or invalid', code = 'UNAUTHORIZED') {
    super(code, message, 401);
  }
}

/** 401 for a webhook whose signature does not verify. */
export class InvalidSignatureError extends AppError {
  constructor(message = 'Invalid signature') {
    super('INVALID_SIGNATURE', message, 401);
  }
}

/** 403: authenticated but not allowed. */
export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed', code = 'FORBIDDEN') {
    super(code, message, 403);
  }
}

/** 404: missing, or owned by another company (never told apart). */
export class NotFoundError extends AppError {
  constructor(resource: string, code = `${resource.toUpperCase().replace(/\s+/g, '_')}_NOT_FOUND`) {
    super(code, `${resource} not found`, 404);
  }
}

/** 409: duplicate or illegal state change. */
export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT') {
    super(code, message, 409);
  }
}

/** 502: an outside provider could not be reached or answered unusably. */
export class ProviderUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('PROVIDER_UNAVAILABLE', message, 502, { cause });
  }
}

/** 400: the provider rejected the credentials or request. */
export class ProviderRejectedError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('PROVIDER_REJECTED', message, 400, { details });
  }
}

/** 400: the channel's provider cannot do this (architecture: a missing capability is a typed 4xx). */
export class CapabilityNotSupportedError extends AppError {
  constructor(capability: string, provider: string) {
    super('CAPABILITY_NOT_SUPPORTED', `${provider} channels do not support ${capability}`, 400);
  }
}

/** 429: the caller's request budget of the current window is spent. */
export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super('RATE_LIMITED', message, 429, { retryAfterSeconds });
  }
}

/** Seconds a caller is told to wait while the database is unreachable (providers retry on their own schedule). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** 503: the database cannot be reached; nothing was stored, so the caller should retry the same request. */
export class ServiceUnavailableError extends AppError {
  constructor(cause?: unknown, retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS) {
    super('DATABASE_UNAVAILABLE', 'Database unavailable, retry later', 503, { cause, retryAfterSeconds });
  }
}

import Joi from 'joi';
import { ValidationError, type FieldError } from '../../../../../shared/errors/app-error';

/** Credentials of a custom webhook channel (stored encrypted, never returned). */
export interface CustomCredentials {
  /** Shared secret that signs both directions (HMAC-SHA256). */
  secret: string;
}

/** Channel config of a custom webhook channel (other config keys are kept as given). */
export interface CustomConfig {
  /** Where outbound messages are POSTed. */
  outboundUrl: string;
}

/** Shortest shared secret accepted: 16 characters keeps brute force out of reach. */
export const MIN_SECRET_LENGTH = 16;

const credentialsSchema = Joi.object<CustomCredentials>({
  secret: Joi.string().min(MIN_SECRET_LENGTH).max(256).required(),
})
  .required()
  .unknown(false);

const configSchema = Joi.object<CustomConfig>({
  outboundUrl: Joi.string().uri({ scheme: ['http', 'https'] }).max(2048).required().messages({ 'string.uriCustomScheme': 'outboundUrl must be an http or https URL' }),
})
  .required()
  .unknown(true);

function fieldErrors(prefix: string, error: Joi.ValidationError | undefined): FieldError[] {
  return (error?.details ?? []).map((d) => ({ field: [prefix, ...d.path].join('.'), message: d.message.replace(/"/g, "'") }));
}

/** Checks the credentials and config of a custom webhook channel; 400 naming every bad field. */
export function validateCustomSettings(credentials: unknown, config: unknown): { credentials: CustomCredentials; config: CustomConfig } {
  const creds = credentialsSchema.validate(credentials, { abortEarly: false });
  const conf = configSchema.validate(config, { abortEarly: false });
  const errors = [...fieldErrors('credentials', creds.error), ...fieldErrors('config', conf.error)];
  if (errors.length) throw new ValidationError('Invalid custom channel settings', errors);
  return { credentials: creds.value, config: conf.value };
}

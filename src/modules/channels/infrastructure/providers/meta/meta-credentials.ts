import Joi from 'joi';

/** Credentials of a META (WhatsApp Business Cloud API) channel. */
export interface MetaCredentials {
  accessToken: string;
  phoneNumberId: string;
  appSecret?: string;
  appId?: string;
  wabaId?: string;
  verifyToken?: string;
}

/** Joi schema of META credentials (validated at the edge with the rest of the body). */
export const metaCredentialsSchema = Joi.object<MetaCredentials>({
  accessToken: Joi.string().trim().min(10).max(1024).required(),
  phoneNumberId: Joi.string().pattern(/^\d{5,30}$/).required().messages({ 'string.pattern.base': 'phoneNumberId must be the numeric phone number id' }),
  appSecret: Joi.string().trim().min(8).max(256),
  appId: Joi.string().pattern(/^\d{1,30}$/),
  wabaId: Joi.string().pattern(/^\d{1,30}$/),
  verifyToken: Joi.string().min(8).max(256),
});

import Joi from 'joi';
import { ValidationError, type FieldError } from '../../../../../shared/errors/app-error';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';

/** Credentials of a TWILIO channel. */
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** When set, messages go out through this Messaging Service instead of `from`. */
  messagingServiceSid?: string;
  /** SharedKey secret of a Twilio Webhook Setting: verifies webhooks Twilio signs with it (HMAC-SHA256). */
  webhookSigningSecret?: string;
}

/** Channel types a TWILIO channel can have. */
export const TWILIO_CHANNEL_TYPES = ['SMS', 'WHATSAPP', 'CALL'] as const;

/** A phone number in E.164: `+`, country code, up to 15 digits. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** Joi schema of TWILIO credentials (validated at the edge with the rest of the body). */
export const twilioCredentialsSchema = Joi.object<TwilioCredentials>({
  accountSid: Joi.string().pattern(/^AC[0-9a-fA-F]{32}$/).required().messages({ 'string.pattern.base': 'accountSid must be AC followed by 32 hex digits' }),
  authToken: Joi.string().trim().min(16).max(256).required(),
  messagingServiceSid: Joi.string().pattern(/^MG[0-9a-fA-F]{32}$/).messages({ 'string.pattern.base': 'messagingServiceSid must be MG followed by 32 hex digits' }),
  webhookSigningSecret: Joi.string().min(16).max(256),
});

/** Voice settings a CALL channel reads from its config. */
export interface TwilioVoiceConfig {
  /** Said to the caller first. */
  greeting?: string;
  /** E.164 number the call is forwarded to; without it the caller leaves a recording. */
  forward_to?: string;
  /** Language of the greeting (Twilio `<Say language>`), e.g. `es-ES`. */
  language?: string;
}

/** Text TwiML (XML 1.0) can carry: lone surrogates replaced, C0 controls but tab/newline/CR and U+FFFE/FFFF dropped. */
export function xmlSafeText(s: string): string {
  return s.toWellFormed().replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

const voiceConfigSchema = Joi.object<TwilioVoiceConfig>({
  // Said through TwiML: a character XML cannot carry would make every call answer fail.
  greeting: Joi.string().max(1000).custom((v: string, helpers) => (xmlSafeText(v) === v ? v : helpers.error('string.xml')))
    .messages({ 'string.xml': 'greeting must not contain control characters' }),
  forward_to: Joi.string().pattern(E164).messages({ 'string.pattern.base': 'forward_to must be a phone number in E.164 (+15557770002)' }),
  language: Joi.string().pattern(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/),
}).unknown(true);

function fieldErrors(error: Joi.ValidationError, prefix: string): FieldError[] {
  return error.details.map((d) => ({ field: `${prefix}.${d.path.join('.')}`, message: d.message.replace(/"/g, "'") }));
}

/** The voice settings of a CALL channel's config; 400 when they are unusable. */
export function assertTwilioConfig(channel: Pick<ChannelEntity, 'type' | 'providerAccount'>, config: Record<string, unknown>): void {
  if (channel.type !== 'CALL') return;
  const { error } = voiceConfigSchema.validate(config, { abortEarly: false });
  if (error) throw new ValidationError('Invalid voice config', fieldErrors(error, 'config'));
  // Dialling the channel's own number would ring this webhook again, which dials again: a call loop.
  if (config.forward_to !== undefined && config.forward_to === channel.providerAccount) {
    throw new ValidationError('Invalid voice config', [{ field: 'config.forward_to', message: 'forward_to must not be the channel\'s own number' }]);
  }
}

/**
 * TWILIO rules checked before the provider is asked: credentials in shape, and `provider_account`
 * the sender number in E.164 (the number Twilio shows as `To` on inbound and uses as `from`).
 */
export function assertTwilioChannel(channel: ChannelEntity, credentials: Record<string, unknown> | null): void {
  const { error } = twilioCredentialsSchema.required().validate(credentials ?? undefined, { abortEarly: false });
  if (error) throw new ValidationError('Invalid credentials', fieldErrors(error, 'credentials'));
  if (!channel.providerAccount || !E164.test(channel.providerAccount)) {
    throw new ValidationError('Invalid provider_account', [{ field: 'provider_account', message: 'for TWILIO, provider_account is the sender number in E.164 (+15557770002)' }]);
  }
  assertTwilioConfig(channel, channel.config);
}

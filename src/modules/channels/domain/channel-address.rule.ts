import { ValidationError } from '../../../shared/errors/app-error';
import type { ChannelEntity } from './entities/channel.entity';

/** A WhatsApp group id as whatsapp-web.js gives it (`120363025246125888@g.us`, older `15551234567-1600000000@g.us`). */
const GROUP_ID = /^\d{6,20}(-\d{6,12})?@g\.us$/;

/**
 * A customer's address on a channel in the one form conversations are keyed by. WhatsApp addresses
 * are the digits of the international number (Meta's wa_id), whatever the provider; a leading +,
 * spaces or dashes are tolerated on input. Twilio SMS and voice addresses are E.164 (`+15557770456`,
 * Twilio's own `From`). WhatsApp Web groups keep their whole id. Other channels keep the address as given.
 */
export function normaliseAddress(channel: Pick<ChannelEntity, 'type' | 'provider'>, address: string, field: string): string {
  const phone = channel.type === 'WHATSAPP' || channel.provider === 'TWILIO';
  if (!phone) return address;
  // WhatsApp Web conversations may be groups, addressed by their whole id (see the WhatsApp Web mapper).
  if (channel.provider === 'CUSTOM' && GROUP_ID.test(address)) return address;
  const digits = address.replace(/^whatsapp:/i, '').replace(/[\s()+-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw new ValidationError('Invalid address', [{ field, message: `${field} must be a phone number in international format` }]);
  return channel.type === 'WHATSAPP' ? digits : `+${digits}`;
}

import { ValidationError } from '../../../shared/errors/app-error';
import type { ChannelEntity } from './entities/channel.entity';

/**
 * A customer's address on a channel in the one form conversations are keyed by. WhatsApp addresses
 * are the digits of the international number (Meta's wa_id), whatever the provider; a leading +,
 * spaces or dashes are tolerated on input. Twilio SMS and voice addresses are E.164 (`+15557770456`,
 * Twilio's own `From`). Other channels keep the address as given.
 */
export function normaliseAddress(channel: Pick<ChannelEntity, 'type' | 'provider'>, address: string, field: string): string {
  const phone = channel.type === 'WHATSAPP' || channel.provider === 'TWILIO';
  if (!phone) return address;
  const digits = address.replace(/^whatsapp:/i, '').replace(/[\s()+-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw new ValidationError('Invalid address', [{ field, message: `${field} must be a phone number in international format` }]);
  return channel.type === 'WHATSAPP' ? digits : `+${digits}`;
}

import { ValidationError } from '../../../shared/errors/app-error';
import type { ChannelEntity } from './entities/channel.entity';

/**
 * A customer's address on a channel in the one form conversations are keyed by. WhatsApp addresses
 * are the digits of the international number (Meta's wa_id); a leading +, spaces or dashes are
 * tolerated on input. Other channel types keep the address as given.
 */
export function normaliseAddress(channel: Pick<ChannelEntity, 'type'>, address: string, field: string): string {
  if (channel.type !== 'WHATSAPP') return address;
  const digits = address.replace(/[\s()+-]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw new ValidationError('Invalid address', [{ field, message: `${field} must be a phone number in international format` }]);
  return digits;
}

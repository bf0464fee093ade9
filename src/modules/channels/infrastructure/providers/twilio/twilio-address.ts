import { normaliseAddress } from '../../../domain/channel-address.rule';
import type { ChannelEntity } from '../../../domain/entities/channel.entity';

type AddressChannel = Pick<ChannelEntity, 'type' | 'provider'>;

/** The address Twilio expects for a conversation's external id: `whatsapp:+<digits>` on WhatsApp, E.164 otherwise. */
export function toTwilioAddress(channel: AddressChannel, externalId: string): string {
  const address = normaliseAddress(channel, externalId, 'to');
  return channel.type === 'WHATSAPP' ? `whatsapp:+${address}` : address;
}

/**
 * A Twilio address (`From` of an inbound message or call) in the form conversations are keyed by,
 * so a conversation opened by the customer and one opened by an agent's reply are the same.
 * Addresses that are not phone numbers (short codes, client identities) are kept as sent.
 */
export function fromTwilioAddress(channel: AddressChannel, address: string): string {
  try {
    return normaliseAddress(channel, address, 'From');
  } catch {
    return address;
  }
}

/** Our sender number (E.164) as Twilio's `from` for the channel type. */
export function twilioSender(channel: AddressChannel, e164: string): string {
  return channel.type === 'WHATSAPP' ? `whatsapp:${e164}` : e164;
}

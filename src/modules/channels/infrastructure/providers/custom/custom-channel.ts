import type { ChannelEntity } from '../../../domain/entities/channel.entity';
import { CHANNEL_TYPES } from '../../../domain/entities/channel.entity';

/** Channel types a custom webhook channel may have: every type but WHATSAPP (CUSTOM + WHATSAPP is WhatsApp Web). */
export const CUSTOM_WEBHOOK_TYPES = CHANNEL_TYPES.filter((t) => t !== 'WHATSAPP');

/** True for a custom webhook channel. */
export function isCustomWebhook(channel: Pick<ChannelEntity, 'provider' | 'type'>): boolean {
  return channel.provider === 'CUSTOM' && channel.type !== 'WHATSAPP';
}

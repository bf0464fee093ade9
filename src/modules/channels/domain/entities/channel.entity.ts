/** Channel types of product.md. */
export const CHANNEL_TYPES = ['WHATSAPP', 'TELEGRAM', 'EMAIL', 'SMS', 'CALL', 'INSTAGRAM', 'MESSENGER', 'WEBCHAT'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Providers of product.md. */
export const CHANNEL_PROVIDERS = ['META', 'TWILIO', 'CUSTOM'] as const;
export type ChannelProvider = (typeof CHANNEL_PROVIDERS)[number];

/** A company's channel; credentials live apart, encrypted. */
export interface ChannelEntity {
  id: string;
  companyId: number;
  name: string;
  type: ChannelType;
  provider: ChannelProvider;
  config: Record<string, unknown>;
  isActive: boolean;
  credentialsId: string | null;
  providerAccount: string | null;
  defaultAgentId: number | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

-- A custom webhook channel's provider_account is a free label nobody verifies: held globally, another
-- company could squat a Twilio or WhatsApp number with it. Verified accounts (Meta phone number ids,
-- Twilio numbers, WhatsApp Web logins) stay unique among live channels; custom labels per company.
DROP INDEX "channels_provider_account_live_key";
CREATE UNIQUE INDEX "channels_provider_account_live_key" ON "channels"("provider_account")
    WHERE "deleted_at" IS NULL AND NOT ("provider" = 'CUSTOM' AND "type" <> 'WHATSAPP');
CREATE UNIQUE INDEX "channels_custom_account_live_key" ON "channels"("company_id", "provider_account")
    WHERE "deleted_at" IS NULL AND "provider" = 'CUSTOM' AND "type" <> 'WHATSAPP';

-- Provider ids of our replies and of customers' messages are separate spaces (a custom endpoint may
-- answer id "1001" for our reply while a customer's message "1001" comes in): one unique per direction.
DROP INDEX "messages_channel_id_external_id_key";
CREATE UNIQUE INDEX "messages_channel_id_direction_external_id_key" ON "messages"("channel_id", "direction", "external_id");

-- The outbound recovery sweep and the queue-depth metric look for PENDING outgoing messages often.
CREATE INDEX "messages_pending_outgoing_idx" ON "messages"("created_at") WHERE "status" = 'PENDING' AND "direction" = 'outgoing';

-- One delivery per (subscription, event): a provider's redelivery of a stored message records its
-- message.received again under the same event id, and a delivery that already exists is kept.
CREATE UNIQUE INDEX "webhook_deliveries_subscription_id_event_id_key" ON "webhook_deliveries"("subscription_id", "event_id");

-- Delivery statuses that arrived before the send stored the provider's id (a webhook racing the
-- provider's answer); applied, in arrival order, as soon as the id is stored.
CREATE TABLE "orphan_statuses" (
    "id" BIGSERIAL NOT NULL,
    "channel_id" UUID NOT NULL,
    "external_id" VARCHAR(255) NOT NULL,
    "status" "MessageStatus" NOT NULL,
    "error_code" VARCHAR(64),
    "error_message" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "orphan_statuses_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "orphan_statuses_channel_id_external_id_idx" ON "orphan_statuses"("channel_id", "external_id");
CREATE INDEX "orphan_statuses_received_at_idx" ON "orphan_statuses"("received_at");

-- Initial schema. Hand-written: Prisma's migrate engine cannot run on these machines.
CREATE TYPE "AgentRole" AS ENUM ('superadmin', 'admin', 'supervisor', 'agent');
CREATE TYPE "ChannelType" AS ENUM ('WHATSAPP', 'TELEGRAM', 'EMAIL', 'SMS', 'CALL', 'INSTAGRAM', 'MESSENGER', 'WEBCHAT');
CREATE TYPE "ChannelProvider" AS ENUM ('META', 'TWILIO', 'CUSTOM');
CREATE TYPE "ConversationStatus" AS ENUM ('open', 'pending', 'closed');
CREATE TYPE "ParticipantType" AS ENUM ('agent', 'lead', 'client', 'contact', 'user');
CREATE TYPE "MessageDirection" AS ENUM ('incoming', 'outgoing');
CREATE TYPE "MessageStatus" AS ENUM ('PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'RECEIVED');
CREATE TYPE "MessageContentType" AS ENUM ('text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'reaction', 'interactive', 'template', 'call', 'unsupported');

CREATE TABLE "companies" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "companies_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "agents" (
    "id" SERIAL NOT NULL,
    "company_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "email" VARCHAR(320) NOT NULL,
    "role" "AgentRole" NOT NULL DEFAULT 'agent',
    "permissions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "agents_email_key" ON "agents"("email");
CREATE INDEX "agents_company_id_idx" ON "agents"("company_id");

CREATE TABLE "channel_credentials" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "company_id" INTEGER NOT NULL,
    "provider" "ChannelProvider" NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "channel_credentials_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "channel_credentials_company_id_idx" ON "channel_credentials"("company_id");

CREATE TABLE "channels" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "company_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "type" "ChannelType" NOT NULL,
    "provider" "ChannelProvider" NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "is_active" BOOLEAN NOT NULL DEFAULT false,
    "credentials_id" UUID,
    "provider_account" VARCHAR(255),
    "default_agent_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    CONSTRAINT "channels_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "channels_credentials_id_key" ON "channels"("credentials_id");
CREATE INDEX "channels_company_id_deleted_at_idx" ON "channels"("company_id", "deleted_at");
CREATE UNIQUE INDEX "channels_provider_account_live_key" ON "channels"("provider_account") WHERE "deleted_at" IS NULL;

CREATE TABLE "conversations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "company_id" INTEGER NOT NULL,
    "channel_id" UUID NOT NULL,
    "status" "ConversationStatus" NOT NULL DEFAULT 'open',
    "external_id" VARCHAR(255) NOT NULL,
    "assigned_agent_id" INTEGER,
    "participant_id" VARCHAR(255),
    "participant_meta" JSONB,
    "participant_type" "ParticipantType" NOT NULL DEFAULT 'client',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_message_at" TIMESTAMPTZ(3),
    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "conversations_company_id_status_idx" ON "conversations"("company_id", "status");
CREATE INDEX "conversations_channel_id_external_id_idx" ON "conversations"("channel_id", "external_id");
CREATE UNIQUE INDEX "conversations_open_external_key" ON "conversations"("channel_id", "external_id") WHERE "status" <> 'closed';

CREATE TABLE "messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "company_id" INTEGER NOT NULL,
    "channel_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "from" VARCHAR(255),
    "to" VARCHAR(255),
    "message" TEXT NOT NULL DEFAULT '',
    "payload" JSONB,
    "metadata" JSONB,
    "direction" "MessageDirection" NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" "MessageStatus" NOT NULL,
    "content_type" "MessageContentType" NOT NULL DEFAULT 'text',
    "external_id" VARCHAR(255),
    "error_code" VARCHAR(64),
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "messages_channel_id_external_id_key" ON "messages"("channel_id", "external_id");
CREATE INDEX "messages_conversation_id_timestamp_idx" ON "messages"("conversation_id", "timestamp");

CREATE TABLE "attachments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "message_id" UUID NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "mime_type" VARCHAR(255),
    "provider_media_id" VARCHAR(255),
    "url" TEXT,
    "filename" VARCHAR(255),
    "sha256" VARCHAR(128),
    "caption" TEXT,
    "size_bytes" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "attachments_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "attachments_message_id_idx" ON "attachments"("message_id");

ALTER TABLE "agents" ADD CONSTRAINT "agents_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "channel_credentials" ADD CONSTRAINT "channel_credentials_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "channels" ADD CONSTRAINT "channels_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "channels" ADD CONSTRAINT "channels_credentials_id_fkey" FOREIGN KEY ("credentials_id") REFERENCES "channel_credentials"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "channels" ADD CONSTRAINT "channels_default_agent_id_fkey" FOREIGN KEY ("default_agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_assigned_agent_id_fkey" FOREIGN KEY ("assigned_agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "companies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Database-backed outbound queue (embedded mode): one job per outgoing message, claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE "outbound_jobs" (
    "message_id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    "sending_since" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbound_jobs_pkey" PRIMARY KEY ("message_id")
);
CREATE INDEX "outbound_jobs_run_at_idx" ON "outbound_jobs"("run_at");

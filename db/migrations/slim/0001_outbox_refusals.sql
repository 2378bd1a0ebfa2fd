ALTER TABLE "channel_outbox" ADD COLUMN "refused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "channel_outbox" ADD COLUMN "refusal" text;
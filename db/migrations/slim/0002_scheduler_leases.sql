CREATE TABLE "feed_leases" (
	"feed_id" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "feeds" ADD COLUMN "skipped_count" integer DEFAULT 0 NOT NULL;
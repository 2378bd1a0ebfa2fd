CREATE TABLE "channel_outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"channel" text NOT NULL,
	"event" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "feeds" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_key_id" text NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"asset_id" text NOT NULL,
	"source" jsonb NOT NULL,
	"schedule" jsonb NOT NULL,
	"quality" jsonb NOT NULL,
	"status" text NOT NULL,
	"push_secret" text,
	"accepted_count" integer DEFAULT 0 NOT NULL,
	"review_count" integer DEFAULT 0 NOT NULL,
	"rejected_count" integer DEFAULT 0 NOT NULL,
	"fetch_error_count" integer DEFAULT 0 NOT NULL,
	"last_score" double precision,
	"last_decision" text,
	"last_error" text,
	"last_observation" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "observations" (
	"id" text PRIMARY KEY NOT NULL,
	"feed_id" text NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"value" double precision NOT NULL,
	"content_hash" text NOT NULL,
	"observation" jsonb NOT NULL,
	"report" jsonb NOT NULL,
	"decision" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_audit" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"review_id" text NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"observation_id" text NOT NULL,
	"feed_id" text NOT NULL,
	"category" text NOT NULL,
	"status" text NOT NULL,
	"quality_decision" text NOT NULL,
	"score" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "channel_outbox_event_idx" ON "channel_outbox" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "channel_outbox_pending_idx" ON "channel_outbox" USING btree ("delivered_at","seq");--> statement-breakpoint
CREATE INDEX "observations_feed_time_idx" ON "observations" USING btree ("feed_id","observed_at");--> statement-breakpoint
CREATE INDEX "observations_feed_hash_idx" ON "observations" USING btree ("feed_id","content_hash");--> statement-breakpoint
CREATE INDEX "review_audit_review_idx" ON "review_audit" USING btree ("review_id");--> statement-breakpoint
CREATE INDEX "reviews_status_idx" ON "reviews" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_observation_idx" ON "reviews" USING btree ("observation_id");
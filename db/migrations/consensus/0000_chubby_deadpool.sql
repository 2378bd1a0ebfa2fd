CREATE TABLE "blocks" (
	"height" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"header" jsonb NOT NULL,
	"signatures" jsonb NOT NULL,
	"tx_hashes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blocks_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "committed_events" (
	"sequence" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"channel" text NOT NULL,
	"feed_id" text NOT NULL,
	"height" bigint NOT NULL,
	"tx_hash" text NOT NULL,
	"event" jsonb NOT NULL,
	CONSTRAINT "committed_events_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "ledger_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"hash" text PRIMARY KEY NOT NULL,
	"height" bigint NOT NULL,
	"position" integer NOT NULL,
	"tx" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "committed_events_feed_idx" ON "committed_events" USING btree ("feed_id","sequence");--> statement-breakpoint
CREATE INDEX "committed_events_channel_idx" ON "committed_events" USING btree ("channel","sequence");--> statement-breakpoint
CREATE INDEX "transactions_height_idx" ON "transactions" USING btree ("height");
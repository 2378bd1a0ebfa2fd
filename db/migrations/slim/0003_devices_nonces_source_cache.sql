CREATE TABLE "devices" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_key_id" text NOT NULL,
	"name" text NOT NULL,
	"asset_id" text NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "push_nonces" (
	"device_id" text NOT NULL,
	"nonce" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "push_nonces_device_id_nonce_pk" PRIMARY KEY("device_id","nonce")
);
--> statement-breakpoint
CREATE TABLE "source_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"stored_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "devices_owner_idx" ON "devices" USING btree ("owner_key_id");--> statement-breakpoint
CREATE INDEX "push_nonces_expiry_idx" ON "push_nonces" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "source_cache_expiry_idx" ON "source_cache" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "feeds_asset_category_idx" ON "feeds" USING btree ("asset_id","category");
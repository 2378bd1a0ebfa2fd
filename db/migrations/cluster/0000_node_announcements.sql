CREATE TABLE "node_announcements" (
	"namespace" text NOT NULL,
	"node_id" text NOT NULL,
	"pool" text NOT NULL,
	"url" text NOT NULL,
	"weight" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "node_announcements_namespace_node_id_pk" PRIMARY KEY("namespace","node_id")
);
--> statement-breakpoint
CREATE INDEX "node_announcements_expiry_idx" ON "node_announcements" USING btree ("namespace","expires_at");
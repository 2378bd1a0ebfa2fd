CREATE TABLE "raft_entries" (
	"index" bigint PRIMARY KEY NOT NULL,
	"term" bigint NOT NULL,
	"type" text NOT NULL,
	"data" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "raft_snapshot" (
	"id" smallint PRIMARY KEY NOT NULL,
	"index" bigint NOT NULL,
	"term" bigint NOT NULL,
	"conf" jsonb NOT NULL,
	"data" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "raft_state" (
	"id" smallint PRIMARY KEY NOT NULL,
	"term" bigint NOT NULL,
	"vote" text,
	"commit" bigint NOT NULL,
	"compacted_index" bigint NOT NULL,
	"compacted_term" bigint NOT NULL
);

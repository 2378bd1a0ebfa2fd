CREATE TABLE "block_signatures" (
	"height" bigint NOT NULL,
	"signer" text NOT NULL,
	"algorithm" text NOT NULL,
	"public_key" text NOT NULL,
	"signature" text NOT NULL,
	CONSTRAINT "block_signatures_height_signer_pk" PRIMARY KEY("height","signer")
);
--> statement-breakpoint
CREATE TABLE "ledger_meta" (
	"id" smallint PRIMARY KEY NOT NULL,
	"applied_raft_index" bigint NOT NULL,
	"snapshot_height" bigint
);

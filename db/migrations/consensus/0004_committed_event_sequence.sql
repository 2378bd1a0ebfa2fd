ALTER TABLE "committed_events" ALTER COLUMN "sequence" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "committed_events" ALTER COLUMN "sequence" DROP DEFAULT;--> statement-breakpoint
DROP SEQUENCE IF EXISTS "committed_events_sequence_seq";--> statement-breakpoint
-- Stored events take the node-independent sequence (height * 2^20 + place in the block, see
-- consensus/storage/event-sequence.ts). Through negatives first: the primary key is checked row by
-- row, and no negative value can meet an old (positive) one.
UPDATE "committed_events" AS ce SET "sequence" = -(ce."height" * 1048576 + t."position") FROM "transactions" AS t WHERE t."hash" = ce."tx_hash";--> statement-breakpoint
UPDATE "committed_events" SET "sequence" = -"sequence" WHERE "sequence" < 0;

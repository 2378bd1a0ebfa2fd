-- A user transaction's row is mostly its ML-DSA public key and signature in hex: random digits that
-- pglz (the default for jsonb over ~2 KB) tries to compress on every insert and then stores as they
-- were. Stored uncompressed, that CPU is saved on the block write path.
ALTER TABLE "transactions" ALTER COLUMN "tx" SET STORAGE EXTERNAL;--> statement-breakpoint
-- An ML-DSA-44 transaction (~7.7 KB) then fits its heap page whole, so it is written as one tuple
-- instead of four TOAST chunks and their index entries; larger ones still go out of line, uncompressed.
ALTER TABLE "transactions" SET (toast_tuple_target = 8160);

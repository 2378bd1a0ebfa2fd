-- Raft entries are written once, read back only to catch followers up, and compacted away: compressing
-- them on insert (pglz, the default for bytea) costs the write path CPU that the log needs for throughput.
ALTER TABLE "raft_entries" ALTER COLUMN "data" SET STORAGE EXTERNAL;

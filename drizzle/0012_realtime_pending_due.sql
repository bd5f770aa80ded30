-- A batch now writes its users to realtime_pending in its own transaction, due a grace period
-- later, and its evaluation removes them; the column says when the worker may take a row.
ALTER TABLE "realtime_pending" RENAME COLUMN "queued_at" TO "due_at";

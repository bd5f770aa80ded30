-- Analyses read a time range of events, by name or not, and need only the owner, the id and the
-- name beside the time: carrying them in the (name, ts) and (ts) indexes lets PostgreSQL answer
-- with index-only scans instead of visiting the heap for every event (a 4-step funnel over 30 days
-- of the bench shop read 0.7 s of heap for 0.08 s of index; 5-step paths 0.48 s for 0.1 s).
-- drizzle's index builder cannot declare INCLUDE, so the schema keeps declaring the keys only.
DROP INDEX "events_name_ts_idx";--> statement-breakpoint
CREATE INDEX "events_name_ts_idx" ON "events" USING btree ("name","ts") INCLUDE ("user_id","id");--> statement-breakpoint
DROP INDEX "events_ts_idx";--> statement-breakpoint
CREATE INDEX "events_ts_idx" ON "events" USING btree ("ts") INCLUDE ("user_id","id","name");

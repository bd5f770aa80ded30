ALTER TABLE "users" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "segment_membership_changes" ADD COLUMN "recorded_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "refreshed_version" integer;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "facts_watermark" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tag_membership_changes" ADD COLUMN "recorded_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "refreshed_version" integer;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "facts_watermark" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "events_received_at_brin" ON "events" USING brin ("received_at");--> statement-breakpoint
CREATE INDEX "orders_updated_at_idx" ON "orders" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "users_updated_at_idx" ON "users" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "segment_membership_changes_recorded_brin" ON "segment_membership_changes" USING brin ("recorded_at");--> statement-breakpoint
CREATE INDEX "tag_membership_changes_recorded_brin" ON "tag_membership_changes" USING brin ("recorded_at");--> statement-breakpoint
-- Every update of a profile (traits, first/last seen, a merge, an erasure) or of an order (status,
-- amounts) moves updated_at, whoever writes it: the incremental refresh re-evaluates the profiles
-- with changes since its watermark.
CREATE FUNCTION "touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "users_touch_updated_at" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "touch_updated_at"();--> statement-breakpoint
CREATE TRIGGER "orders_touch_updated_at" BEFORE UPDATE ON "orders" FOR EACH ROW EXECUTE FUNCTION "touch_updated_at"();

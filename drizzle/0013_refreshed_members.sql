ALTER TABLE "segments" ADD COLUMN "refreshed_members" integer;--> statement-breakpoint
ALTER TABLE "tags" ADD COLUMN "refreshed_members" integer;
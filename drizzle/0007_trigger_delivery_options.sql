ALTER TABLE "trigger_versions" ADD COLUMN "campaign" text;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "campaign" text;
ALTER TABLE "trigger_versions" ADD COLUMN "campaign" text;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "quiet_start" integer;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "quiet_end" integer;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "campaign" text;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "quiet_start" integer;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "quiet_end" integer;
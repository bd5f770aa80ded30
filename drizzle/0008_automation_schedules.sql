CREATE TABLE "destination_rate_slots" (
	"destination_key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone DEFAULT now() NOT NULL,
	"next_slot" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedule_runs" (
	"trigger_key" text NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedule_runs_trigger_key_run_at_pk" PRIMARY KEY("trigger_key","run_at")
);
--> statement-breakpoint
CREATE TABLE "realtime_pending" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "best_time_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "best_time" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "schedule_every" text;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "schedule_at" text;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "schedule_weekday" integer;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "schedule_segment" text;--> statement-breakpoint
ALTER TABLE "trigger_versions" ADD COLUMN "schedule_tag" text;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "best_time" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "schedule_every" text;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "schedule_at" text;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "schedule_weekday" integer;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "schedule_segment" text;--> statement-breakpoint
ALTER TABLE "triggers" ADD COLUMN "schedule_tag" text;--> statement-breakpoint
CREATE INDEX "deliveries_best_time_idx" ON "deliveries" USING btree ("id") WHERE best_time_pending;
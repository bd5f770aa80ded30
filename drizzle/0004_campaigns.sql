CREATE TABLE "campaign_audience" (
	"campaign_key" text NOT NULL,
	"user_id" bigint NOT NULL,
	"arm" text NOT NULL,
	"bucket" double precision NOT NULL,
	CONSTRAINT "campaign_audience_user_id_campaign_key_pk" PRIMARY KEY("user_id","campaign_key")
);
--> statement-breakpoint
CREATE TABLE "campaign_versions" (
	"campaign_key" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"status" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"channel" text NOT NULL,
	"segment" text NOT NULL,
	"holdout_share" double precision NOT NULL,
	"fixed_cost" double precision DEFAULT 0 NOT NULL,
	"cost_per_touch" double precision DEFAULT 0 NOT NULL,
	"attribution_days" integer DEFAULT 7 NOT NULL,
	"conversion_event" text,
	CONSTRAINT "campaign_versions_campaign_key_version_pk" PRIMARY KEY("campaign_key","version")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"channel" text NOT NULL,
	"segment" text NOT NULL,
	"holdout_share" double precision NOT NULL,
	"fixed_cost" double precision DEFAULT 0 NOT NULL,
	"cost_per_touch" double precision DEFAULT 0 NOT NULL,
	"attribution_days" integer DEFAULT 7 NOT NULL,
	"conversion_event" text,
	"launched_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "campaign_audience_campaign_arm_idx" ON "campaign_audience" USING btree ("campaign_key","arm");
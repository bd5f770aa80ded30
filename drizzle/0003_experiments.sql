CREATE TABLE "experiment_versions" (
	"experiment_key" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"status" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"hypothesis" text DEFAULT '' NOT NULL,
	"variants" jsonb NOT NULL,
	"primary_metric" text NOT NULL,
	"metrics" jsonb NOT NULL,
	"segment" text,
	"start_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"seed" text NOT NULL,
	"minimum_detectable_effect" double precision,
	CONSTRAINT "experiment_versions_experiment_key_version_pk" PRIMARY KEY("experiment_key","version")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"hypothesis" text DEFAULT '' NOT NULL,
	"variants" jsonb NOT NULL,
	"primary_metric" text NOT NULL,
	"metrics" jsonb NOT NULL,
	"segment" text,
	"start_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"seed" text NOT NULL,
	"minimum_detectable_effect" double precision
);

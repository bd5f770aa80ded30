CREATE TABLE "rollup_state" (
	"timezone" text PRIMARY KEY NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_day_events" (
	"user_id" bigint NOT NULL,
	"day" date NOT NULL,
	"channel" text,
	"platform" text,
	"utm_source" text,
	"utm_campaign" text,
	"campaign" text,
	"events" integer NOT NULL,
	"cart_events" integer NOT NULL,
	CONSTRAINT "user_day_events_slice_uq" UNIQUE NULLS NOT DISTINCT("user_id","day","channel","platform","utm_source","utm_campaign","campaign")
);
--> statement-breakpoint
CREATE TABLE "user_day_orders" (
	"user_id" bigint NOT NULL,
	"day" date NOT NULL,
	"channel" text,
	"platform" text,
	"utm_source" text,
	"utm_campaign" text,
	"campaign" text,
	"orders" integer NOT NULL,
	"gmv" numeric NOT NULL,
	"refunds" numeric NOT NULL,
	"item_lines" integer NOT NULL,
	"units" bigint NOT NULL,
	"item_revenue" numeric NOT NULL,
	CONSTRAINT "user_day_orders_slice_uq" UNIQUE NULLS NOT DISTINCT("user_id","day","channel","platform","utm_source","utm_campaign","campaign")
);
--> statement-breakpoint
CREATE INDEX "user_day_events_day_idx" ON "user_day_events" USING btree ("day");--> statement-breakpoint
CREATE INDEX "user_day_orders_day_idx" ON "user_day_orders" USING btree ("day");
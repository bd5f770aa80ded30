CREATE TABLE "purchase_models" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"fitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fitted_by" text NOT NULL,
	"calibration_end" date NOT NULL,
	"timezone" text NOT NULL,
	"unit_days" integer NOT NULL,
	"segment" text,
	"customers" integer NOT NULL,
	"repeat_customers" integer NOT NULL,
	"bgnbd" jsonb NOT NULL,
	"gamma_gamma" jsonb NOT NULL,
	"risk_medium" double precision NOT NULL,
	"risk_high" double precision NOT NULL,
	CONSTRAINT "purchase_models_key_version_pk" PRIMARY KEY("key","version")
);
--> statement-breakpoint
CREATE TABLE "purchase_scores" (
	"user_id" bigint NOT NULL,
	"model_key" text NOT NULL,
	"version" integer NOT NULL,
	"p_alive" double precision NOT NULL,
	"churn_risk" double precision NOT NULL,
	"risk_band" text NOT NULL,
	"expected_purchases_90d" double precision NOT NULL,
	"expected_avg_spend" double precision NOT NULL,
	"clv_365d" double precision NOT NULL,
	"scored_at" timestamp with time zone NOT NULL,
	CONSTRAINT "purchase_scores_user_id_model_key_pk" PRIMARY KEY("user_id","model_key")
);

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

CREATE TABLE `pipeline_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`run_id` text NOT NULL,
	`step_id` integer NOT NULL,
	`number` integer NOT NULL,
	`status` text NOT NULL,
	`runner` text,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `pipeline_attempts_step` ON `pipeline_attempts` (`step_id`,`number`);--> statement-breakpoint
CREATE TABLE `pipeline_cache` (
	`project_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`attempt_id` text NOT NULL,
	`outputs` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `fingerprint`)
);
--> statement-breakpoint
CREATE TABLE `pipeline_links` (
	`run_id` text NOT NULL,
	`step` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`run_id`, `step`, `kind`, `ref`, `role`)
);
--> statement-breakpoint
CREATE TABLE `pipeline_logs` (
	`attempt_id` text NOT NULL,
	`offset` integer NOT NULL,
	`length` integer NOT NULL,
	`text` text NOT NULL,
	PRIMARY KEY(`attempt_id`, `offset`)
);
--> statement-breakpoint
CREATE TABLE `pipeline_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`pipeline_id` integer NOT NULL,
	`version_id` integer NOT NULL,
	`status` text NOT NULL,
	`params` text NOT NULL,
	`no_cache` integer NOT NULL,
	`trigger` text NOT NULL,
	`interval_start` integer,
	`interval_end` integer,
	`dedupe_key` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_runs_dedupe` ON `pipeline_runs` (`pipeline_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `pipeline_runs_project` ON `pipeline_runs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `pipeline_schedules` (
	`pipeline_id` integer PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`cron` text NOT NULL,
	`catchup` integer NOT NULL,
	`handled_until` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pipeline_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`spec` text NOT NULL,
	`runs_on` text NOT NULL,
	`timeout_ms` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`available_at` integer DEFAULT 0 NOT NULL,
	`runner` text,
	`lease_ms` integer,
	`lease_expires_at` integer,
	`deadline_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`fingerprint` text,
	`outputs` text,
	`error` text,
	`cached_from` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_steps_run_name` ON `pipeline_steps` (`run_id`,`name`);--> statement-breakpoint
CREATE INDEX `pipeline_steps_queue` ON `pipeline_steps` (`project_id`,`status`,`available_at`);--> statement-breakpoint
CREATE INDEX `pipeline_steps_leases` ON `pipeline_steps` (`status`,`lease_expires_at`);--> statement-breakpoint
CREATE TABLE `pipeline_subscriptions` (
	`pipeline_id` integer NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`cursor` integer NOT NULL,
	PRIMARY KEY(`pipeline_id`, `kind`, `subject`)
);
--> statement-breakpoint
CREATE TABLE `pipeline_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pipeline_id` integer NOT NULL,
	`version` integer NOT NULL,
	`code_digest` text NOT NULL,
	`spec` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_versions_number` ON `pipeline_versions` (`pipeline_id`,`version`);--> statement-breakpoint
CREATE TABLE `pipelines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipelines_project_name` ON `pipelines` (`project_id`,`name`);
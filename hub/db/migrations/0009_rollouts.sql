CREATE TABLE `rollout_figures` (
	`rollout_id` text NOT NULL,
	`step` integer NOT NULL,
	`side` text NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	`histogram` text NOT NULL,
	PRIMARY KEY(`rollout_id`, `step`, `side`)
);
--> statement-breakpoint
CREATE TABLE `rollouts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`model_id` text NOT NULL,
	`alias` text NOT NULL,
	`stable_version` integer NOT NULL,
	`candidate_version` integer NOT NULL,
	`steps` text NOT NULL,
	`interval_ms` integer NOT NULL,
	`max_error_rate` real,
	`max_p95_ratio` real,
	`min_requests` integer NOT NULL,
	`state` text NOT NULL,
	`step` integer NOT NULL,
	`percent` real NOT NULL,
	`step_started_at` integer NOT NULL,
	`decisions` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollouts_active_alias` ON `rollouts` (`model_id`,`alias`) WHERE state in ('running', 'paused');--> statement-breakpoint
CREATE INDEX `rollouts_model` ON `rollouts` (`model_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `rollouts_due` ON `rollouts` (`state`,`step_started_at`);
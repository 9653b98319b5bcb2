CREATE TABLE `applied_writes` (
	`project_id` text NOT NULL,
	`client_id` text NOT NULL,
	`kind` text NOT NULL,
	`run_id` text,
	`applied_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `client_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`lifecycle` text DEFAULT 'active' NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `experiments_project_name` ON `experiments` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `metric_chunks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`count` integer NOT NULL,
	`min_step` integer NOT NULL,
	`max_step` integer NOT NULL,
	`steps` blob NOT NULL,
	`timestamps` blob NOT NULL,
	`values` blob NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `metric_chunks_run_key` ON `metric_chunks` (`run_id`,`key`,`min_step`);--> statement-breakpoint
CREATE TABLE `metric_summaries` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`last_value` real NOT NULL,
	`last_step` integer NOT NULL,
	`last_timestamp` integer NOT NULL,
	`min` real NOT NULL,
	`max` real NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `metric_summaries_key_value` ON `metric_summaries` (`key`,`last_value`);--> statement-breakpoint
CREATE TABLE `run_artifacts` (
	`run_id` text NOT NULL,
	`path` text NOT NULL,
	`digest` text NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `path`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`digest`) REFERENCES `blobs`(`digest`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `run_params` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `run_params_key_value` ON `run_params` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `run_tags` (
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `run_tags_key_value` ON `run_tags` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`experiment_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer,
	`source` text NOT NULL,
	`device_id` text,
	`parent_run_id` text,
	`user_id` text,
	`lifecycle` text DEFAULT 'active' NOT NULL,
	`pending` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`experiment_id`) REFERENCES `experiments`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `runs_project_experiment_start` ON `runs` (`project_id`,`experiment_id`,`start_time`);
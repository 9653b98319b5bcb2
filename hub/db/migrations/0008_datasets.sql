CREATE TABLE `dataset_aliases` (
	`dataset_id` integer NOT NULL,
	`alias` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`dataset_id`, `alias`)
);
--> statement-breakpoint
CREATE TABLE `dataset_draft_files` (
	`dataset_id` integer NOT NULL,
	`draft_id` text NOT NULL,
	`path` text NOT NULL,
	`digest` text NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`dataset_id`, `draft_id`, `path`)
);
--> statement-breakpoint
CREATE TABLE `dataset_drafts` (
	`dataset_id` integer NOT NULL,
	`id` text NOT NULL,
	`message` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`committed_version` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`dataset_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `dataset_files` (
	`version_id` integer NOT NULL,
	`path` text NOT NULL,
	`digest` text NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`version_id`, `path`)
);
--> statement-breakpoint
CREATE INDEX `dataset_files_digest` ON `dataset_files` (`version_id`,`digest`);--> statement-breakpoint
CREATE TABLE `dataset_table_stats` (
	`digest` text NOT NULL,
	`format` text NOT NULL,
	`stats` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`digest`, `format`)
);
--> statement-breakpoint
CREATE TABLE `dataset_version_runs` (
	`version_id` integer NOT NULL,
	`run_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`version_id`, `run_id`)
);
--> statement-breakpoint
CREATE INDEX `dataset_version_runs_run` ON `dataset_version_runs` (`run_id`);--> statement-breakpoint
CREATE TABLE `dataset_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` integer NOT NULL,
	`project_id` text NOT NULL,
	`version` integer NOT NULL,
	`parent_version` integer,
	`manifest_digest` text NOT NULL,
	`files` integer NOT NULL,
	`bytes` integer NOT NULL,
	`message` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_versions_number` ON `dataset_versions` (`dataset_id`,`version`);--> statement-breakpoint
CREATE INDEX `dataset_versions_manifest` ON `dataset_versions` (`project_id`,`manifest_digest`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_project_name` ON `datasets` (`project_id`,`name`);
CREATE TABLE `alias_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_id` text NOT NULL,
	`alias` text NOT NULL,
	`from_version` integer,
	`to_version` integer,
	`actor` text,
	`reason` text DEFAULT '' NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`model_id`) REFERENCES `registered_models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alias_events_model_alias` ON `alias_events` (`model_id`,`alias`,`id`);--> statement-breakpoint
CREATE TABLE `model_aliases` (
	`model_id` text NOT NULL,
	`alias` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`model_id`, `alias`),
	FOREIGN KEY (`model_id`) REFERENCES `registered_models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `model_versions` (
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`format` text NOT NULL,
	`files` text NOT NULL,
	`signature` text NOT NULL,
	`metrics` text DEFAULT '{}' NOT NULL,
	`source_run_id` text,
	`base_version` integer,
	`description` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`model_id`, `version`),
	FOREIGN KEY (`model_id`) REFERENCES `registered_models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `registered_models` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`devices` integer DEFAULT false NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registered_models_project_name` ON `registered_models` (`project_id`,`name`);
CREATE TABLE `feature_entities` (
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	PRIMARY KEY(`project_id`, `name`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `feature_online` (
	`project_id` text NOT NULL,
	`view` text NOT NULL,
	`entity_key` text NOT NULL,
	`event_ts` integer NOT NULL,
	`created_ts` integer,
	`vals` text NOT NULL,
	PRIMARY KEY(`project_id`, `view`, `entity_key`)
);
--> statement-breakpoint
CREATE TABLE `feature_rows` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`view` text NOT NULL,
	`entity_key` text NOT NULL,
	`event_ts` integer NOT NULL,
	`created_ts` integer,
	`vals` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feature_rows_lookup` ON `feature_rows` (`project_id`,`view`,`entity_key`,`event_ts`);--> statement-breakpoint
CREATE TABLE `feature_services` (
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	PRIMARY KEY(`project_id`, `name`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `feature_views` (
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	`push_source` text,
	`materialized_until` integer,
	PRIMARY KEY(`project_id`, `name`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feature_views_push_source` ON `feature_views` (`project_id`,`push_source`);
CREATE TABLE `telemetry_devices` (
	`project_id` text NOT NULL,
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`backend` text NOT NULL,
	`device_id` text NOT NULL,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	PRIMARY KEY(`project_id`, `model_id`, `version`, `backend`, `device_id`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `telemetry_minutes` (
	`project_id` text NOT NULL,
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`backend` text NOT NULL,
	`minute` integer NOT NULL,
	`count` integer NOT NULL,
	`errors` integer NOT NULL,
	`latency_sum_ms` real NOT NULL,
	`latency_min_ms` real,
	`latency_max_ms` real,
	`histogram` text NOT NULL,
	`last_error` text,
	`last_error_at` integer,
	`last_seen` integer NOT NULL,
	PRIMARY KEY(`project_id`, `model_id`, `version`, `backend`, `minute`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `telemetry_minutes_project_minute` ON `telemetry_minutes` (`project_id`,`minute`);
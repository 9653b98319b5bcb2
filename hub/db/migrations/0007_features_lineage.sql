CREATE TABLE `feature_training_sets` (
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`digest` text NOT NULL,
	`request` text NOT NULL,
	`blob` text NOT NULL,
	`rows` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `name`)
);
--> statement-breakpoint
ALTER TABLE `model_versions` ADD `feature_service` text;--> statement-breakpoint
ALTER TABLE `feature_views` ADD `last_materialized_at` integer;--> statement-breakpoint
ALTER TABLE `feature_views` ADD `loaded_file` text;
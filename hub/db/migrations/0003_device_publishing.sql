ALTER TABLE `model_versions` ADD `base_model_id` text;--> statement-breakpoint
ALTER TABLE `model_versions` ADD `publish_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_publish_key` ON `model_versions` (`model_id`,`publish_key`);--> statement-breakpoint
ALTER TABLE `projects` ADD `device_publishing` integer DEFAULT false NOT NULL;
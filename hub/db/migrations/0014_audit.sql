CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`at` integer NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`address` text NOT NULL,
	`reason` text,
	`details` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_events_project` ON `audit_events` (`project_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_action` ON `audit_events` (`project_id`,`action`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_actor` ON `audit_events` (`project_id`,`actor_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_target` ON `audit_events` (`project_id`,`target`,`id`);
ALTER TABLE `dataset_draft_files` ADD `md5` text;--> statement-breakpoint
ALTER TABLE `dataset_files` ADD `md5` text;
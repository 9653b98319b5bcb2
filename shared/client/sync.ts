import type { z } from 'zod';
import type { featurePushItemSchema } from '../schemas/features.js';
import type { SyncItem, SyncResult } from '../schemas/sync.js';
import type { HubClient } from './hub-client.js';

export type FeaturePushItem = z.input<typeof featurePushItemSchema>;
/** What a device's outbox sends: runs and telemetry, and feature rows pushed from the device. */
export type OutboxItem = SyncItem | FeaturePushItem;

/** One outbox batch; the hub applies each item id once, so a resend after a lost reply changes nothing. */
export const sendSync = (hub: HubClient, items: OutboxItem[]) => hub.json<SyncResult>('POST', '/v1/sync', { items });

import type { SyncItem, SyncResult } from '../schemas/sync.js';
import type { HubClient } from './hub-client.js';

/** One outbox batch; the hub applies each item id once, so a resend after a lost reply changes nothing. */
export const sendSync = (hub: HubClient, items: SyncItem[]) => hub.json<SyncResult>('POST', '/v1/sync', { items });

import type { z } from 'zod';
import type { CreatedKey, CreateKey, keyListSchema, keyReplySchema } from '../schemas/keys.js';
import type { HubClient } from './hub-client.js';

export const listKeys = (hub: HubClient) => hub.json<z.output<typeof keyListSchema>>('GET', '/v1/keys');
export const createKey = (hub: HubClient, key: CreateKey) => hub.json<CreatedKey>('POST', '/v1/keys', key);
export const revokeKey = (hub: HubClient, id: string) => hub.json<z.output<typeof keyReplySchema>>('DELETE', `/v1/keys/${encodeURIComponent(id)}`);

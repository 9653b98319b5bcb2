import type { z } from 'zod';
import type { projectReplySchema } from '../schemas/projects.js';
import type { HubClient } from './hub-client.js';

/** The calling key's project: also how a key is checked before it is kept. */
export const getProject = (hub: HubClient) => hub.json<z.output<typeof projectReplySchema>>('GET', '/v1/project');

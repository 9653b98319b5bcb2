import { z } from '@hono/zod-openapi';
import { createdProjectSchema, createProjectSchema, projectSchema, updateProjectSchema } from '../../shared/schemas/projects.js';
import { access } from '../auth/access.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { createProject, getProject, getProjectRow, toProject, updateProject } from './projects.js';


const create = hubRoute({
  method: 'post',
  path: '/v1/projects',
  tags: ['projects'],
  summary: 'Create a project',
  description: 'Any admin key may create a project; the response holds the new project\'s first admin key, shown once.',
  middleware: access({ secret: 'admin' }),
  request: { body: { content: json(createProjectSchema), required: true } },
  responses: { 201: { description: 'Created', content: json(createdProjectSchema) }, ...errorResponses(400, 401, 403, 409) },
});

const current = hubRoute({
  method: 'get',
  path: '/v1/project',
  tags: ['projects'],
  summary: "The calling key's project",
  middleware: access({ secret: 'read', device: true }),
  responses: { 200: { description: 'Project', content: json(z.object({ project: projectSchema })) }, ...errorResponses(401) },
});

const update = hubRoute({
  method: 'patch',
  path: '/v1/project',
  tags: ['projects'],
  summary: "Change the calling key's project settings",
  description: '`devicePublishing: true` lets publishable keys upload blobs and publish fine-tuned versions into `<base>-device-candidates` models (never moving an alias). Admin keys only.',
  middleware: access({ secret: 'admin' }),
  request: body(updateProjectSchema),
  responses: { 200: { description: 'Project', content: json(z.object({ project: projectSchema })) }, ...errorResponses(400, 401, 403) },
});

const byId = hubRoute({
  method: 'get',
  path: '/v1/projects/{id}',
  tags: ['projects'],
  summary: 'A project by id (only the key\'s own)',
  middleware: access({ secret: 'read' }),
  request: { params: z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: { description: 'Project', content: json(z.object({ project: projectSchema })) }, ...errorResponses(401, 403, 404) },
});

export const projectRoutes = newRouter()
  .openapi(create, async (c) => c.json(await createProject(scopeOf(c), c.req.valid('json').name), 201))
  .openapi(current, async (c) => c.json({ project: toProject(await getProjectRow(scopeOf(c))) }, 200))
  .openapi(update, async (c) => c.json({ project: await updateProject(scopeOf(c), c.req.valid('json')) }, 200))
  .openapi(byId, async (c) => c.json({ project: await getProject(scopeOf(c), c.req.valid('param').id) }, 200));

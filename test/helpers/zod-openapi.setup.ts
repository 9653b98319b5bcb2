// Before any test file's imports: the shared zod schemas get `.openapi` only if made after @hono/zod-openapi extends
// zod, and domain tests import hub modules (and through them the schemas) before the app that builds the routes.
import '@hono/zod-openapi';

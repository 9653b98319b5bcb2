import { html, raw } from 'hono/html';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head'];
const schemaText = (s: unknown) => JSON.stringify(s, null, 2);

/** A readable API reference rendered on the server from the OpenAPI document: no script, no CDN. */
export function renderReference(doc: OpenApiDoc) {
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Operation })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags?.[0] ?? 'other'))];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${doc.info.title} — API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
main{max-width:980px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:36px;border-bottom:1px solid #d0d7de;padding-bottom:4px;text-transform:capitalize}
details{border:1px solid #d0d7de;border-radius:6px;margin:8px 0}summary{padding:8px 12px;cursor:pointer}
.m{display:inline-block;min-width:58px;font:600 12px ui-monospace,monospace;text-transform:uppercase;color:#fff;border-radius:4px;padding:2px 6px;text-align:center;background:#57606a}
.get{background:#0969da}.post{background:#1a7f37}.put{background:#9a6700}.delete{background:#cf222e}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f8fa;padding:10px;overflow:auto;border-radius:6px;max-height:360px}
.body{padding:0 12px 12px}
</style></head>
<body><main>
<h1>${doc.info.title}</h1><p>Version ${doc.info.version}. ${doc.info.description ?? ''} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<p>Authenticate with <code>Authorization: Bearer sk_…</code> (or a <code>pk_…</code> device key where noted). Errors are <code>{"error":{"code","message","details?"}}</code>.</p>
${tags.map(
  (tag) => html`<h2 id="${tag}">${tag}</h2>
${ops
  .filter((o) => (o.op.tags?.[0] ?? 'other') === tag)
  .map(
    ({ path, method, op }) => html`<details><summary><span class="m ${method}">${method}</span> <code>${path}</code> — ${op.summary ?? ''}</summary><div class="body">
${op.description ? html`<p>${op.description}</p>` : ''}
${op.parameters?.length ? html`<h4>Parameters</h4><ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ', required' : ''})</li>`)}</ul>` : ''}
${op.requestBody?.content ? html`<h4>Request body</h4>${Object.entries(op.requestBody.content).map(([type, c]) => html`<p><code>${type}</code></p><pre>${schemaText(c.schema)}</pre>`)}` : ''}
<h4>Responses</h4><ul>${Object.entries(op.responses ?? {}).map(([status, r]) => html`<li><code>${status}</code> ${r.description ?? ''}</li>`)}</ul>
</div></details>`,
  )}`,
)}
${raw('')}
</main></body></html>`;
}

import { useEffect, useState } from 'preact/hooks';
import type { Project } from '../../../shared/schemas/projects';
import { request } from '../api';
import { Keys } from './keys';

export function Overview({ onSignOut }: { onSignOut: () => void }) {
  const [project, setProject] = useState<Project | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request<{ project: Project }>('GET', '/v1/project').then((r) => setProject(r.project), (e: Error) => setError(e.message));
  }, []);
  return (
    <>
      <header class="bar">
        <strong>Outpost</strong>
        <span>{project ? `project ${project.name}` : '…'}</span>
        <a href="/docs">API reference</a>
        <button type="button" class="link" onClick={onSignOut}>Sign out</button>
      </header>
      <main>
        {error && <p role="alert" class="error">{error}</p>}
        <section class="card">
          <h2>Get started</h2>
          <p>Upload a file as a blob (content-addressed by its sha256):</p>
          <pre>{`curl -X PUT --data-binary @model.onnx \\
  -H "Authorization: Bearer $OUTPOST_KEY" \\
  ${location.origin}/v1/blobs/sha256:$(sha256sum model.onnx | cut -d' ' -f1)`}</pre>
        </section>
        <Keys />
      </main>
    </>
  );
}

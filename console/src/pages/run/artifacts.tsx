import { useState } from 'preact/hooks';
import { listArtifacts, type Artifact } from '../../../../shared/client/tracking';
import { downloadBlob, hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatBytes } from '../../format';

function Folder({ runId, path }: { runId: string; path?: string }) {
  const loaded = useLoad(() => listArtifacts(hub, runId, path), [runId, path]);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what="artifacts" />;
  if (loaded.data.files.length === 0 && !path) {
    return (
      <p class="muted">
        No artifacts. Upload a file as a blob (<code>PUT /v1/blobs/sha256:…</code>), then attach it with{' '}
        <code>PUT /v1/runs/{runId}/artifacts {'{"path","digest"}'}</code>.
      </p>
    );
  }
  return (
    <ul class="tree">
      {loaded.data.files.map((f) => (
        <li key={f.path}>{f.isDir ? <FolderItem runId={runId} file={f} /> : <FileItem file={f} />}</li>
      ))}
    </ul>
  );
}

function FolderItem({ runId, file }: { runId: string; file: Artifact }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} {file.path.split('/').pop()}/
      </button>
      {open && <Folder runId={runId} path={file.path} />}
    </>
  );
}

function FileItem({ file }: { file: Artifact }) {
  const [error, setError] = useState<string | null>(null);
  const name = file.path.split('/').pop() ?? file.path;
  async function download() {
    setError(null);
    try {
      await downloadBlob(file.digest!, name);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <span class="file">
      <span>{name}</span>
      <span class="muted">{formatBytes(file.size)}</span>
      <button type="button" class="secondary small" onClick={download} aria-label={`Download ${file.path}`} disabled={!file.digest}>
        Download
      </button>
      {error && <span role="alert" class="error">{error}</span>}
    </span>
  );
}

/** The run's files, a folder at a time; downloads go through the key (blobs are not public). */
export function Artifacts({ runId }: { runId: string }) {
  return (
    <section class="card" aria-labelledby="artifacts">
      <h2 id="artifacts">Artifacts</h2>
      <Folder runId={runId} />
    </section>
  );
}

import type { ModelVersion } from '../../../../shared/schemas/registry';
import { formatBytes, formatNumber, formatTime } from '../../format';
import { Link } from '../../router';

const shape = (dims: Array<number | string>) => `[${dims.map((d) => (d === -1 ? '?' : d)).join(', ')}]`;

function Signature({ v }: { v: ModelVersion }) {
  const specs = [...v.signature.inputs.map((s) => ({ ...s, dir: 'in' })), ...v.signature.outputs.map((s) => ({ ...s, dir: 'out' }))];
  return (
    <details>
      <summary>
        {v.signature.inputs.length} in, {v.signature.outputs.length} out
      </summary>
      <table class="kv small">
        <tbody>
          {specs.map((s) => (
            <tr key={`${s.dir}:${s.name}`}>
              <th scope="row">{s.dir} {s.name}</th>
              <td>
                {s.dtype} {shape(s.shape)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Every version: when, what format and shape, where it came from (run, base version), and a promote button. */
export function VersionsTable({ model, versions, onPromote }: { model: string; versions: ModelVersion[]; onPromote: (version: number) => void }) {
  return (
    <div class="scroll" tabIndex={0}>
      <table class="versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Aliases</th>
            <th scope="col">Created</th>
            <th scope="col">Format</th>
            <th scope="col">Signature</th>
            <th scope="col">Lineage</th>
            <th scope="col">Metrics</th>
            <th scope="col">Files</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version}>
              <th scope="row">{v.version}</th>
              <td>
                {v.aliases.map((a) => (
                  <span key={a} class="chip">{a}</span>
                ))}
              </td>
              <td>{formatTime(v.createdAt)}</td>
              <td>{v.format}</td>
              <td><Signature v={v} /></td>
              <td class="wrap">
                {v.runId ? (
                  <>run <Link href={`/runs/${encodeURIComponent(v.runId)}`}>{v.runId.slice(0, 8)}</Link></>
                ) : (
                  <span class="muted">no run</span>
                )}
                {v.baseVersion != null && <div>base {model}/{v.baseVersion}</div>}
                {v.featureService && (
                  <div>
                    features <Link href={`/features/services/${encodeURIComponent(v.featureService)}`}>{v.featureService}</Link>
                  </div>
                )}
                {v.datasets.map((ref) => (
                  <div key={ref}>
                    data <Link href={`/datasets/${ref.split('/').map(encodeURIComponent).join('/')}`}>{ref}</Link>
                  </div>
                ))}
              </td>
              <td class="wrap">
                {Object.entries(v.metrics).map(([k, m]) => (
                  <div key={k}>
                    {k} {formatNumber(m)}
                  </div>
                ))}
              </td>
              <td>
                {v.files.length} ({formatBytes(v.files.reduce((n, f) => n + f.size, 0))})
              </td>
              <td>
                <button type="button" class="secondary small" onClick={() => onPromote(v.version)} aria-label={`Promote version ${v.version}`}>
                  Promote…
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

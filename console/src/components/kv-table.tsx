
/** Params or tags of a run: key and value, sorted by key. */
export function KeyValueTable({ title, values, empty }: { title: string; values: Record<string, string>; empty: string }) {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section class="card" aria-labelledby={`kv-${title}`}>
      <h2 id={`kv-${title}`}>{title}</h2>
      {entries.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table class="kv">
            <tbody>
              {entries.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}


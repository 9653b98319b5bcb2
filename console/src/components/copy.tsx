import { useState } from 'preact/hooks';

/** Copies text to the clipboard and says so; where the clipboard is not allowed, it says to copy by hand. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<string | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setDone('Copied');
    } catch {
      setDone('Select the text and copy it by hand');
    }
  }
  return (
    <span class="copy">
      <button type="button" class="secondary" onClick={copy}>{label}</button>
      <span role="status" class="muted">{done}</span>
    </span>
  );
}

/** A command or code to paste, with a copy button. */
export function Snippet({ code, label }: { code: string; label: string }) {
  return (
    <figure class="snippet">
      <figcaption>
        {label} <CopyButton text={code} />
      </figcaption>
      <pre tabIndex={0}>{code}</pre>
    </figure>
  );
}

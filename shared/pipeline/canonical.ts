import { sha256Digest, type Digest } from '../digest.js';

/** JSON with object keys sorted at every level, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Every `sha256:…` string inside a value: the files a step's inputs name. */
export function fileDigestsIn(value: unknown, out = new Set<string>()): string[] {
  if (typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value)) out.add(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) fileDigestsIn(v, out);
  return [...out].sort();
}

export interface FingerprintParts {
  codeDigest: string;
  step: string;
  inputs: Record<string, unknown>;
  params: Record<string, unknown>;
}

/**
 * A step's cache key (as Kubeflow computes it): sha256 of the canonical JSON of the code digest, the step's name,
 * its input values, the digests of the files they name, and the run's params.
 */
export function stepFingerprint({ codeDigest, step, inputs, params }: FingerprintParts): Promise<Digest> {
  const doc = canonicalJson({ codeDigest, step, inputs, inputFiles: fileDigestsIn(inputs), params });
  return sha256Digest(new TextEncoder().encode(doc));
}

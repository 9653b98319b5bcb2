/** The binary tensor extension's framing: the JSON header, then each tensor's bytes in order, no padding. */

export const HEADER_LENGTH = 'Inference-Header-Content-Length';

/** A body of the JSON header followed by `tensors`; `headerLength` goes in Inference-Header-Content-Length. */
export function frameBinary(header: unknown, tensors: ArrayBufferView[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.byteLength + tensors.reduce((n, t) => n + t.byteLength, 0));
  body.set(json);
  let offset = json.byteLength;
  for (const t of tensors) {
    body.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), offset);
    offset += t.byteLength;
  }
  return { body, headerLength: json.byteLength };
}

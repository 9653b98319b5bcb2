/** Whether this context can get a WebGPU adapter, and why not when it cannot. */
export async function webgpuAdapter(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    return (await gpu.requestAdapter()) ? { ok: true } : { ok: false, reason: 'the browser offers no WebGPU adapter on this device' };
  } catch (err) {
    return { ok: false, reason: `requesting a WebGPU adapter failed: ${(err as Error).message}` };
  }
}

import { existsSync } from 'node:fs';

/** Debian's Chromium (or CHROMIUM_PATH); a browser is never downloaded. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return path;
}

/** Flags for a headless Chromium on a closed network; WebGPU on SwiftShader when asked. */
export function chromiumArgs({ webgpu = false } = {}): string[] {
  const base = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  if (!webgpu) return [...base, '--disable-gpu'];
  return [
    ...base,
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-vulkan=swiftshader',
    '--use-webgpu-adapter=swiftshader',
    '--use-angle=swiftshader',
  ];
}

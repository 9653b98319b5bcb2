/** Paths of the browser runtime's files, served by the hub itself on every platform (DESIGN §5: no CDN at run time). */
export const isRuntimeAssetPath = (path: string) => path === '/runtime.js' || path === '/runtime-sw.js' || path.startsWith('/runtime/');

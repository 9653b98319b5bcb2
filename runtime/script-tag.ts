import { connect, OutpostRuntimeError, RUNTIME_BUILD, type ConnectOptions } from './index.js';

/**
 * `<script src="https://hub/runtime.js">` defines `window.Outpost`. The hub defaults to the origin the script
 * came from, so `Outpost.connect({ key })` is enough on most pages.
 */
const script = document.currentScript as HTMLScriptElement | null;
const defaultHub = script?.src ? new URL(script.src).origin : location.origin;

const Outpost = {
  connect: (options: Omit<ConnectOptions, 'hub'> & { hub?: string }) => connect({ hub: defaultHub, ...options }),
  OutpostRuntimeError,
  build: RUNTIME_BUILD,
};
(window as unknown as { Outpost: typeof Outpost }).Outpost = Outpost;

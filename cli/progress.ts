import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  add(bytes: number): void;
  stop(): void;
}

const units = ['B', 'KB', 'MB', 'GB'];
export function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1000 && i < units.length - 1) (n /= 1000), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** A bytes/rate/ETA bar on a terminal; nothing at all when stderr is not a TTY (CI logs stay clean). */
export function progressBar(total: number, label: string): Progress {
  if (!process.stderr.isTTY || total === 0) return { add() {}, stop() {} };
  const started = Date.now();
  let done = 0;
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done} / {all} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const fields = () => ({ done: formatBytes(done), all: formatBytes(total), rate: formatBytes(done / Math.max(0.001, (Date.now() - started) / 1000)) });
  bar.start(total, 0, fields());
  return {
    add(bytes) {
      done += bytes;
      bar.update(done, fields());
    },
    stop() {
      bar.stop();
    },
  };
}

import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { StepStatus } from './state';

export interface DagStep {
  needs: string[];
  status?: StepStatus;
  /** A second line under the name (a duration, "cached"). */
  note?: string;
}

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const HEIGHT = 46;
const MARGIN = 8;
/** Wide enough for the name, and on a run for the longest state line ("succeeded · 59m 59s"). */
const boxWidth = (name: string, states: boolean) => Math.max(states ? 150 : 110, Math.min(540, name.length * 8 + 28));

/** Lays the DAG out top to bottom with dagre: each step below the steps it needs. */
function layout(steps: Record<string, DagStep>, states: boolean) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 16, ranksep: 36, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const name of Object.keys(steps)) g.setNode(name, { width: boxWidth(name, states), height: HEIGHT });
  for (const [name, step] of Object.entries(steps)) for (const need of step.needs) if (steps[need]) g.setEdge(need, name);
  dagre.layout(g);
  const boxes: Box[] = g.nodes().map((name) => {
    const n = g.node(name);
    return { name, x: n.x! - n.width / 2, y: n.y! - n.height / 2, width: n.width, height: n.height };
  });
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] }));
  // The drawing's bounds from the boxes and every edge point: an edge that skips a rank can bend outside dagre's own.
  const xs = [...boxes.flatMap((b) => [b.x, b.x + b.width]), ...edges.flatMap((e) => e.points.map((p: { x: number }) => p.x))];
  const ys = [...boxes.flatMap((b) => [b.y, b.y + b.height]), ...edges.flatMap((e) => e.points.map((p: { y: number }) => p.y))];
  const [left, top] = [Math.min(0, ...xs) - MARGIN, Math.min(0, ...ys) - MARGIN];
  return { boxes, edges, left, top, width: Math.max(...xs) + MARGIN - left, height: Math.max(...ys) + MARGIN - top };
}

const path = (points: { x: number; y: number }[]) => points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

/**
 * A pipeline's DAG as SVG: a box per step (its name, and its state's colour and name on a run), an arrow from each
 * need. With `onSelect`, boxes are buttons (click, Enter or Space) named by the text they show. The graph keeps its
 * size and scrolls sideways when wider than the screen, so names stay readable on a phone.
 */
export function Dag({ steps, label, selected, onSelect }: { steps: Record<string, DagStep>; label: string; selected?: string | null; onSelect?: (step: string) => void }) {
  // Laid out again only when the steps or needs change, not as states change, so boxes stay put while a run goes on.
  const states = Object.values(steps).some((s) => s.status);
  const shape = JSON.stringify([states, Object.entries(steps).map(([n, s]) => [n, s.needs])]);
  const { boxes, edges, left, top, width, height } = useMemo(() => layout(steps, states), [shape]);
  return (
    <div class="scroll dag">
      <svg role="group" aria-label={label} width={width} height={height} viewBox={`${left} ${top} ${width} ${height}`}>
        <defs>
          <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="dag-arrowhead" />
          </marker>
        </defs>
        {edges.map((e) => (
          <path key={`${e.from}->${e.to}`} class="dag-edge" d={path(e.points)} marker-end="url(#dag-arrow)" data-from={e.from} data-to={e.to} />
        ))}
        {boxes.map((b) => {
          const step = steps[b.name]!;
          const select = onSelect && (() => onSelect(b.name));
          return (
            <g
              key={b.name}
              class={`dag-node pipe-${step.status ?? 'plain'}${selected === b.name ? ' selected' : ''}`}
              transform={`translate(${b.x},${b.y})`}
              data-step={b.name}
              data-status={step.status}
              {...(select
                ? {
                    role: 'button',
                    tabIndex: 0,
                    'aria-pressed': selected === b.name,
                    onClick: select,
                    onKeyDown: (e: KeyboardEvent) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), select()),
                  }
                : { role: 'img', 'aria-label': [b.name, step.status, step.note].filter(Boolean).join(', ') })}
            >
              <rect width={b.width} height={b.height} rx="6" />
              <text x={b.width / 2} y={step.status ? 19 : b.height / 2 + 5} text-anchor="middle" class="dag-name">
                {b.name}
              </text>
              {step.status && (
                <text x={b.width / 2} y="36" text-anchor="middle" class="dag-state">
                  {[step.status, step.note].filter(Boolean).join(' · ')}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

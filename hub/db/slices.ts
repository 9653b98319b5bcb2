/** D1 allows at most 100 bound parameters a statement: IN lists and multi-row inserts go in slices. */
export function slices<T>(items: T[], size = 90): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

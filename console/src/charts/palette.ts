/** Ten colours that stay apart from each other and readable on white (Tableau 10, darkened where too light). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#e07000', '#8c564b', '#d6339c', '#5f6b6d', '#8a8a00', '#0f97a8'];

export const colorOf = (i: number) => PALETTE[i % PALETTE.length]!;

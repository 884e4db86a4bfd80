import { clipped } from '../core/clip';

/** Terminal width the human output keeps to: a laptop's split pane, a pager, a ticket. */
export const WIDTH = 120;

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Wider cells are cut with an ellipsis. */
  readonly max?: number;
}

/** Cuts text to `width` characters, marking the cut, so nothing wraps. */
/** A time as the tables print it: to the second. */
export const seconds = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

export function clip(text: string, width: number = WIDTH): string {
  return clipped(text, width);
}

/**
 * Lays out rows under their headers, two spaces apart. The last column takes what is left of the
 * width, so a long last cell (controls, descriptions) is cut rather than wrapped.
 */
export function table(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width = WIDTH,
): string[] {
  const widths = columns.map((column, i) =>
    Math.min(
      column.max ?? Number.POSITIVE_INFINITY,
      Math.max(column.header.length, ...rows.map((r) => (r[i] ?? '').length)),
    ),
  );
  const fixed = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  widths[widths.length - 1] = Math.max(8, Math.min(widths.at(-1) ?? 0, width - fixed));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = clip(cells[i] ?? '', widths[i] ?? 0);
        return column.align === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

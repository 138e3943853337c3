// Small-number suppression for published statistics (see docs/adr, "suppression method").
// A count below the threshold (but above zero) is never shown. Zero is shown: "none" reveals
// nothing about any person and hiding it would make every sparse table unreadable.

export const DEFAULT_SUPPRESSION_THRESHOLD = 5;

export interface SuppressedCount {
  value: number | null;
  suppressed: boolean;
}

export function suppressCount(count: number, threshold: number = DEFAULT_SUPPRESSION_THRESHOLD): SuppressedCount {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`A count must be a whole number of zero or more, got ${count}`);
  if (count > 0 && count < threshold) return { value: null, suppressed: true };
  return { value: count, suppressed: false };
}

/** A published cell: either the number or the reason it is hidden. */
export interface PublishedCell {
  value: number | null;
  /** 'primary' = below the threshold; 'secondary' = hidden so that a primary cell cannot be worked out by subtraction. */
  suppression: 'primary' | 'secondary' | null;
}

export interface SuppressedTable {
  rowLabels: string[];
  columnLabels: string[];
  cells: PublishedCell[][];
  rowTotals: PublishedCell[];
  columnTotals: PublishedCell[];
  grandTotal: PublishedCell;
}

/**
 * Suppresses a table of counts with its row totals, column totals and grand total, so that no
 * count between 1 and threshold-1 can be read or worked out by subtracting visible figures from a
 * visible total.
 *
 * Method (docs/adr): the table is treated as an (r+1) x (c+1) grid whose last row and column are
 * the totals. Each row and column of that grid is a linear equation (cells sum to the total). A
 * hidden cell is safe from subtraction only if every line through it has at least two hidden
 * entries, and where the line's total is shown the hidden cells must not add up to a small number
 * either — and even then a chain of lines can pin a cell down, so after those rules every
 * hidden entry is checked exactly: it is recoverable when its unit vector lies in the row space of
 * the line equations restricted to the hidden entries. Primary suppression hides every small count
 * (cells and totals); secondary suppression then hides, one at a time, the smallest visible
 * non-zero inner cell (totals last, zeros last) on a line that exposes a hidden entry, until none
 * is exposed. Bounds (a hidden cell is at most the row total) are not treated as disclosure.
 */
export function suppressTable(
  rowLabels: string[],
  columnLabels: string[],
  counts: number[][],
  threshold: number = DEFAULT_SUPPRESSION_THRESHOLD,
): SuppressedTable {
  if (counts.length !== rowLabels.length) throw new RangeError('One row of counts is needed per row label');
  for (const row of counts) {
    if (row.length !== columnLabels.length) throw new RangeError('One count is needed per column label');
  }
  const rows = rowLabels.length;
  const cols = columnLabels.length;
  // grid[r][c] with r === rows being the column-totals row and c === cols the row-totals column
  const grid: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = counts[r] ?? [];
    grid.push([...row, row.reduce((a, b) => a + b, 0)]);
  }
  const totalsRow: number[] = [];
  for (let c = 0; c <= cols; c++) totalsRow.push(grid.reduce((sum, row) => sum + (row[c] ?? 0), 0));
  grid.push(totalsRow);

  const hidden: ('primary' | 'secondary' | null)[][] = grid.map((row) =>
    row.map((value) => (suppressCount(value, threshold).suppressed ? 'primary' : null)),
  );

  const lines = linesOfGrid(rows, cols);
  for (;;) {
    const exposed = firstExposedLine(lines, hidden) ?? lineWithSmallHiddenSum(lines, hidden, grid, threshold) ?? lineOfDeterminedCell(lines, hidden);
    if (!exposed) break;
    const complement = pickComplement(exposed, grid, hidden, rows, cols);
    // every entry on the line is already hidden: nothing more can be done on it (cannot happen
    // for a line that exposes a cell, kept for the type checker)
    if (!complement) break;
    const [r, c] = complement;
    const rowOfHidden = hidden[r];
    if (rowOfHidden) rowOfHidden[c] = 'secondary';
  }

  const cell = (r: number, c: number): PublishedCell => {
    const suppression = hidden[r]?.[c] ?? null;
    return { value: suppression ? null : (grid[r]?.[c] ?? 0), suppression };
  };
  return {
    rowLabels,
    columnLabels,
    cells: Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => cell(r, c))),
    rowTotals: Array.from({ length: rows }, (_, r) => cell(r, cols)),
    columnTotals: Array.from({ length: cols }, (_, c) => cell(rows, c)),
    grandTotal: cell(rows, cols),
  };
}

type Position = [number, number];
type Hidden = ('primary' | 'secondary' | null)[][];

function isHidden(hidden: Hidden, [r, c]: Position): boolean {
  return (hidden[r]?.[c] ?? null) !== null;
}

function firstExposedLine(lines: Position[][], hidden: Hidden): Position[] | undefined {
  return lines.find((line) => line.filter((p) => isHidden(hidden, p)).length === 1);
}

/**
 * A line whose total is shown and whose hidden cells add up to 1..threshold-1: subtracting the
 * shown cells from the total would reveal that small sum (e.g. "these two cells hold 3 between
 * them"), so another cell must be hidden with them.
 */
function lineWithSmallHiddenSum(lines: Position[][], hidden: Hidden, grid: number[][], threshold: number): Position[] | undefined {
  return lines.find((line) => {
    const total = line[line.length - 1] as Position;
    if (isHidden(hidden, total)) return false;
    const hiddenSum = line.slice(0, -1).filter((p) => isHidden(hidden, p)).reduce((sum, [r, c]) => sum + (grid[r]?.[c] ?? 0), 0);
    return hiddenSum > 0 && hiddenSum < threshold;
  });
}

/** Finds a hidden entry that the line equations fix exactly, and returns a line through it with a visible entry. */
function lineOfDeterminedCell(lines: Position[][], hidden: Hidden): Position[] | undefined {
  const unknowns: Position[] = [];
  hidden.forEach((row, r) => row.forEach((h, c) => { if (h !== null) unknowns.push([r, c]) }));
  if (unknowns.length === 0) return undefined;
  const indexOf = new Map(unknowns.map(([r, c], i) => [`${r},${c}`, i]));
  // each line says: inner entries minus the total entry = 0; only the hidden entries are unknown
  const equations = lines.map((line) => {
    const coefficients = new Array<number>(unknowns.length).fill(0);
    line.forEach(([r, c], position) => {
      const i = indexOf.get(`${r},${c}`);
      if (i !== undefined) coefficients[i] = position === line.length - 1 ? -1 : 1;
    });
    return coefficients;
  });
  const basis = reducedRowEchelon(equations);
  for (let i = 0; i < unknowns.length; i++) {
    if (!isInRowSpace(basis, i, unknowns.length)) continue;
    const [r, c] = unknowns[i] as Position;
    return lines.find((line) => line.some(([lr, lc]) => lr === r && lc === c) && line.some((p) => !isHidden(hidden, p)));
  }
  return undefined;
}

interface EchelonRow { pivot: number; values: number[] }

function reducedRowEchelon(matrix: number[][]): EchelonRow[] {
  const rowsLeft = matrix.map((row) => [...row]);
  const basis: EchelonRow[] = [];
  const width = rowsLeft[0]?.length ?? 0;
  for (let column = 0; column < width; column++) {
    const index = rowsLeft.findIndex((row) => Math.abs(row[column] ?? 0) > 1e-9);
    if (index === -1) continue;
    const [pivotRow] = rowsLeft.splice(index, 1);
    if (!pivotRow) continue;
    const scale = pivotRow[column] ?? 1;
    const values = pivotRow.map((v) => v / scale);
    for (const other of [...rowsLeft, ...basis.map((b) => b.values)]) {
      const factor = other[column] ?? 0;
      if (factor !== 0) for (let k = 0; k < width; k++) other[k] = (other[k] ?? 0) - factor * (values[k] ?? 0);
    }
    basis.push({ pivot: column, values });
  }
  return basis;
}

function isInRowSpace(basis: EchelonRow[], unknown: number, width: number): boolean {
  const residual = new Array<number>(width).fill(0);
  residual[unknown] = 1;
  for (const { pivot, values } of basis) {
    const factor = residual[pivot] ?? 0;
    if (factor !== 0) for (let k = 0; k < width; k++) residual[k] = (residual[k] ?? 0) - factor * (values[k] ?? 0);
  }
  return residual.every((v) => Math.abs(v) < 1e-9);
}

/** Every line ends with its total entry: the last position of a row is its row total, of a column its column total. */
function linesOfGrid(rows: number, cols: number): Position[][] {
  const lines: Position[][] = [];
  for (let r = 0; r <= rows; r++) lines.push(Array.from({ length: cols + 1 }, (_, c): Position => [r, c]));
  for (let c = 0; c <= cols; c++) lines.push(Array.from({ length: rows + 1 }, (_, r): Position => [r, c]));
  return lines;
}

function pickComplement(
  line: Position[],
  grid: number[][],
  hidden: Hidden,
  rows: number,
  cols: number,
): Position | undefined {
  const isTotal = ([r, c]: Position) => r === rows || c === cols;
  const candidates = line
    .filter(([r, c]) => hidden[r]?.[c] === null)
    .sort((a, b) => {
      const totalOrder = Number(isTotal(a)) - Number(isTotal(b));
      if (totalOrder !== 0) return totalOrder;
      const va = grid[a[0]]?.[a[1]] ?? 0;
      const vb = grid[b[0]]?.[b[1]] ?? 0;
      // a zero complement protects nothing new (its value is known to be 0 by anyone who assumes
      // the rest), so zeros go last
      if ((va === 0) !== (vb === 0)) return va === 0 ? 1 : -1;
      return va - vb;
    });
  return candidates[0];
}

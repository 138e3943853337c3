import { describe, expect, it } from 'vitest';
import { type PublishedCell, type SuppressedTable, suppressCount, suppressTable } from './suppression.ts';

const THRESHOLD = 5;

/** The table as an attacker sees it: every entry (cells, then row totals, column totals, grand total) with its true value and whether it is shown. */
function entries(table: SuppressedTable, truth: number[][]) {
  const rows = truth.length;
  const cols = truth[0]?.length ?? 0;
  const rowTotal = (r: number) => truth[r]!.reduce((a, b) => a + b, 0);
  const colTotal = (c: number) => truth.reduce((sum, row) => sum + row[c]!, 0);
  const grid: { published: PublishedCell; value: number }[][] = [];
  for (let r = 0; r < rows; r++) {
    grid.push([...truth[r]!.map((value, c) => ({ published: table.cells[r]![c]!, value })), { published: table.rowTotals[r]!, value: rowTotal(r) }]);
  }
  grid.push([
    ...Array.from({ length: cols }, (_, c) => ({ published: table.columnTotals[c]!, value: colTotal(c) })),
    { published: table.grandTotal, value: truth.flat().reduce((a, b) => a + b, 0) },
  ]);
  return grid;
}

/**
 * Written independently of the implementation: the equations a reader has (each row and column,
 * totals included, sums to its total), with the shown values substituted, solved exactly with
 * fractions-free integer elimination. A hidden entry is recoverable when the equations pin it to
 * one value, i.e. its unit vector is a combination of the equations.
 */
function recoverableEntries(table: SuppressedTable, truth: number[][]): string[] {
  const grid = entries(table, truth);
  const unknowns: [number, number][] = [];
  grid.forEach((row, r) => row.forEach((entry, c) => { if (entry.published.value === null) unknowns.push([r, c]); }));
  const index = new Map(unknowns.map(([r, c], i) => [`${r},${c}`, i]));
  const equations: number[][] = [];
  const lines: [number, number][][] = [];
  for (let r = 0; r < grid.length; r++) lines.push(grid[r]!.map((_, c) => [r, c]));
  for (let c = 0; c < grid[0]!.length; c++) lines.push(grid.map((_, r) => [r, c]));
  for (const line of lines) {
    const coefficients = new Array<number>(unknowns.length).fill(0);
    line.forEach(([r, c], position) => {
      const i = index.get(`${r},${c}`);
      if (i !== undefined) coefficients[i] = position === line.length - 1 ? -1 : 1;
    });
    if (coefficients.some((value) => value !== 0)) equations.push(coefficients);
  }
  const rank = (matrix: number[][]) => {
    const m = matrix.map((row) => row.map(BigInt));
    let rankSoFar = 0;
    const width = m[0]?.length ?? 0;
    for (let col = 0; col < width && rankSoFar < m.length; col++) {
      const pivot = m.findIndex((row, i) => i >= rankSoFar && row[col] !== 0n);
      if (pivot === -1) continue;
      [m[rankSoFar], m[pivot]] = [m[pivot]!, m[rankSoFar]!];
      const p = m[rankSoFar]!;
      for (let i = 0; i < m.length; i++) {
        if (i === rankSoFar || m[i]![col] === 0n) continue;
        const factor = m[i]![col]!;
        m[i] = m[i]!.map((value, k) => value * p[col]! - factor * p[k]!);
      }
      rankSoFar++;
    }
    return rankSoFar;
  };
  const base = rank(equations);
  return unknowns
    .filter((_, i) => {
      const unit = new Array<number>(unknowns.length).fill(0);
      unit[i] = 1;
      return rank([...equations, unit]) === base;
    })
    .map(([r, c]) => `${r},${c}`);
}

function expectSafe(table: SuppressedTable, truth: number[][]) {
  const grid = entries(table, truth);
  for (const row of grid) {
    for (const { published, value } of row) {
      // What is shown is true, and never a small number.
      if (published.value !== null) {
        expect(published.value).toBe(value);
        expect(value === 0 || value >= THRESHOLD).toBe(true);
      } else if (value > 0 && value < THRESHOLD) {
        expect(published.suppression).toBe('primary');
      }
    }
  }
  // No hidden entry can be worked out by adding and subtracting what is shown.
  expect(recoverableEntries(table, truth)).toEqual([]);
  // On a line with its total shown, the hidden cells never add up to a small number.
  const lines = [...grid.map((row) => row), ...grid[0]!.map((_, c) => grid.map((row) => row[c]!))];
  for (const line of lines) {
    const total = line[line.length - 1]!;
    if (total.published.value === null) continue;
    const hiddenSum = line.slice(0, -1).filter((entry) => entry.published.value === null).reduce((sum, entry) => sum + entry.value, 0);
    expect(hiddenSum === 0 || hiddenSum >= THRESHOLD).toBe(true);
  }
}

describe('suppressCount', () => {
  it('hides 1 to 4 and shows 0 and 5 upwards', () => {
    expect([0, 1, 2, 3, 4, 5, 12].map((count) => suppressCount(count, 5))).toEqual([
      { value: 0, suppressed: false },
      { value: null, suppressed: true },
      { value: null, suppressed: true },
      { value: null, suppressed: true },
      { value: null, suppressed: true },
      { value: 5, suppressed: false },
      { value: 12, suppressed: false },
    ]);
  });

  it('refuses what is not a count', () => {
    expect(() => suppressCount(-1, 5)).toThrow(RangeError);
    expect(() => suppressCount(2.5, 5)).toThrow(RangeError);
  });
});

describe('suppressTable: no small number shown, nor recoverable by subtraction', () => {
  it('hides a second cell in the row and the column of a small one, so that totals minus the rest reveal nothing', () => {
    const truth = [
      [3, 10, 12],
      [7, 8, 20],
      [9, 11, 6],
    ];
    const table = suppressTable(['A', 'B', 'C'], ['x', 'y', 'z'], truth);
    expect(table.cells[0]![0]).toEqual({ value: null, suppression: 'primary' });
    // Naively hiding only the 3 would let 25 − 10 − 12 give it back: another cell in its row and column is hidden too.
    expect(table.cells[0]!.filter((cell) => cell.value === null).length + (table.rowTotals[0]!.value === null ? 1 : 0)).toBeGreaterThanOrEqual(2);
    expect(table.cells.map((row) => row[0]!).filter((cell) => cell.value === null).length + (table.columnTotals[0]!.value === null ? 1 : 0)).toBeGreaterThanOrEqual(2);
    expectSafe(table, truth);
  });

  it('(the check itself) catches a table where only the small cell was hidden', () => {
    const truth = [
      [3, 10],
      [7, 8],
    ];
    const naive = suppressTable(['A', 'B'], ['x', 'y'], truth, 1);
    naive.cells[0]![0] = { value: null, suppression: 'primary' };
    expect(recoverableEntries(naive, truth)).toEqual(['0,0']);
  });

  it('hides a small total and what would give it away', () => {
    const truth = [
      [1, 2, 0],
      [20, 30, 40],
    ];
    const table = suppressTable(['A', 'B'], ['x', 'y', 'z'], truth);
    expect(table.rowTotals[0]!.value).toBeNull();
    expectSafe(table, truth);
  });

  it('does not let two small cells in one row be worked out together from the row total', () => {
    const truth = [
      [2, 1, 30],
      [10, 12, 14],
    ];
    const table = suppressTable(['A', 'B'], ['x', 'y', 'z'], truth);
    expectSafe(table, truth);
  });

  it('leaves a table with no small numbers untouched', () => {
    const truth = [
      [5, 0, 12],
      [9, 7, 0],
    ];
    const table = suppressTable(['A', 'B'], ['x', 'y', 'z'], truth);
    expect(table.cells.flat().every((cell) => cell.suppression === null)).toBe(true);
    expect(table.grandTotal.value).toBe(33);
  });

  it('is safe on 300 random tables of 1–6 rows × 1–6 columns full of small numbers', () => {
    let seed = 20261130;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const rows = 1 + Math.floor(random() * 6);
      const cols = 1 + Math.floor(random() * 6);
      const truth = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (random() < 0.3 ? 0 : Math.floor(random() * 14))));
      const table = suppressTable(truth.map((_, r) => `r${r}`), truth[0]!.map((_, c) => `c${c}`), truth);
      expectSafe(table, truth);
    }
  });
});

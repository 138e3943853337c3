import path from 'node:path';
import { areNeighborCells, cellToLatLng, gridDisk, gridDistance, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { countsByAreaCode } from './areaCounts.ts';
import { countByDistrict, districtOf, readDistrictsFile } from './districts.ts';
import { getisOrdGiStar, type HotspotCell } from './getisOrd.ts';
import { hexagonCounts } from './hexagonCounts.ts';
import { hexagonCountsParallel } from './hexagonCountsParallel.ts';
import { hotspotsGeoJson } from './hotspotsGeoJson.ts';
import { densityGeoJson, kernelDensity } from './kernelDensity.ts';
import { twoSidedPValue } from './normalDistribution.ts';
import { repeatLocations } from './repeatLocations.ts';

const NEWCASTLE = latLngToCell(54.9738, -1.6132, 9);
const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;
const byCell = (cells: HotspotCell[]) => new Map(cells.map((cell) => [cell.cell, cell]));

describe('hexagonCounts', () => {
  it('counts points per H3 cell of the chosen resolution', () => {
    const points = [
      { latitude: 54.9738, longitude: -1.6132 },
      { latitude: 54.9738, longitude: -1.6132 },
      { latitude: 55.2, longitude: -1.9 },
    ];
    const counts = hexagonCounts(points, { h3Resolution: 9 });
    expect(counts).toEqual(new Map([[NEWCASTLE, 2], [latLngToCell(55.2, -1.9, 9), 1]]));
    expect([...hexagonCounts(points, { h3Resolution: 5 }).values()].reduce((a, b) => a + b)).toBe(3);
  });

  it('refuses a resolution outside 0–15 and points that are not degrees', () => {
    expect(() => hexagonCounts([], { h3Resolution: 16 })).toThrow('The H3 resolution must be a whole number from 0 to 15 (got 16).');
    expect(() => hexagonCounts([], { h3Resolution: 8.5 })).toThrow(RangeError);
    expect(() => hexagonCounts([{ latitude: 91, longitude: 0 }], { h3Resolution: 9 })).toThrow('Latitude 91 and longitude 0 are not WGS84 degrees.');
  });
});

describe('hexagonCountsParallel', () => {
  it('gives the same counts as hexagonCounts when the points are shared over worker threads', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const points = Array.from({ length: 30_000 }, () => ({ latitude: 54.9 + random() * 0.1, longitude: -1.7 + random() * 0.2 }));
    const parallel = await hexagonCountsParallel(points, { h3Resolution: 9, threads: 2 });
    expect(parallel).toEqual(hexagonCounts(points, { h3Resolution: 9 }));
    expect([...parallel.values()].reduce((a, b) => a + b)).toBe(30_000);
    expect(await hexagonCountsParallel(points.slice(0, 10), { h3Resolution: 9, threads: 2 })).toEqual(hexagonCounts(points.slice(0, 10), { h3Resolution: 9 }));
    expect(await hexagonCountsParallel(points.slice(0, 1), { h3Resolution: 9, threads: 4 })).toEqual(hexagonCounts(points.slice(0, 1), { h3Resolution: 9 }));
    await expect(hexagonCountsParallel(points, { h3Resolution: -1 })).rejects.toThrow(RangeError);
    await expect(hexagonCountsParallel([...points, { latitude: 0, longitude: 200 }], { h3Resolution: 9, threads: 2 })).rejects.toThrow('Latitude 0 and longitude 200 are not WGS84 degrees.');
  });
});

describe('getisOrdGiStar', () => {
  it('matches a hand computation: 10 incidents in one cell, the empty cells 2 rings around it as the study area', () => {
    // n = 19, x̄ = 10/19, S² = 100/19 − (10/19)² = 1800/361.
    // Centre and ring 1: all 7 neighbours inside, Σw·x = 10:
    //   z = (10 − 7·10/19) / ((√1800/19)·√((19·7 − 7²)/18)) = 120/√8400.
    // Ring 2, no incident within reach: z = −x̄·W / (S·√((19W − W²)/18)), W = 4 at the 6 corners
    // (−40/√6000) and 5 along the 6 edges (−50/√7000).
    const cells = getisOrdGiStar(new Map([[NEWCASTLE, 10]]));
    expect(cells).toHaveLength(19);
    const found = byCell(cells);
    expect(found.get(NEWCASTLE)).toMatchObject({ count: 10, band: 'not_significant' });
    for (const cell of gridDisk(NEWCASTLE, 1)) {
      expect(found.get(cell)!.zScore).toBeCloseTo(120 / Math.sqrt(8400), 10);
      expect(found.get(cell)!.pValue).toBeCloseTo(0.19043, 4);
    }
    const ringTwo = gridDisk(NEWCASTLE, 2).filter((cell) => gridDistance(cell, NEWCASTLE) === 2);
    const zScores = ringTwo.map((cell) => found.get(cell)!.zScore).sort((a, b) => a - b);
    expect(zScores).toEqual([...Array(6).fill(expect.closeTo(-50 / Math.sqrt(7000), 10)), ...Array(6).fill(expect.closeTo(-40 / Math.sqrt(6000), 10))]);
    expect(ringTwo.every((cell) => found.get(cell)!.count === 0)).toBe(true);
  });

  it('matches a hand computation on the given cells only (includeZeroCells: false)', () => {
    const neighbour = gridDisk(NEWCASTLE, 1).find((cell) => cell !== NEWCASTLE)!;
    const far = gridDisk(NEWCASTLE, 4).find((cell) => gridDistance(cell, NEWCASTLE) === 4)!;
    expect(areNeighborCells(NEWCASTLE, neighbour)).toBe(true);
    // n = 3, x̄ = 3, S² = (36 + 4 + 1)/3 − 9 = 14/3. Centre and neighbour: W = 2, Σw·x = 8,
    // z = (8 − 6) / (S·√((3·2 − 4)/2)) = 2/√(14/3). The far cell: W = 1, z = (1 − 3)/S.
    const cells = getisOrdGiStar(new Map([[NEWCASTLE, 6], [neighbour, 2], [far, 1]]), { includeZeroCells: false });
    const z = 2 / Math.sqrt(14 / 3);
    expect(cells.map((cell) => cell.cell)).toEqual([...[NEWCASTLE, neighbour].sort(), far]);
    expect(cells.map((cell) => cell.zScore)).toEqual([expect.closeTo(z, 10), expect.closeTo(z, 10), expect.closeTo(-z, 10)]);
    expect(cells[2]!.pValue).toBeCloseTo(0.35454, 4);
  });

  it('finds a planted hotspot at 99 % and leaves cells far from it not significant', () => {
    const origin = latLngToCell(55.0, -1.6, 9);
    const grid = gridDisk(origin, 12).sort();
    const counts = new Map(grid.map((cell, index) => [cell, 1 + (index % 3)]));
    const planted = grid.find((cell) => gridDistance(cell, origin) === 6)!;
    const plantedCells = gridDisk(planted, 1);
    for (const cell of plantedCells) counts.set(cell, 40);

    const cells = getisOrdGiStar(counts, { neighbourRings: 1 });
    const found = byCell(cells);
    for (const cell of plantedCells) {
      expect(found.get(cell)!.band).toBe('hot_99');
      expect(found.get(cell)!.pValue).toBeLessThan(0.01);
    }
    expect(cells[0]!.cell).toBe(planted);
    const far = cells.filter((cell) => gridDistance(cell.cell, planted) >= 3);
    expect(far.length).toBeGreaterThan(400);
    for (const cell of far) expect(cell.band).toBe('not_significant');
    expect(cells.map((cell) => cell.zScore)).toEqual([...cells.map((cell) => cell.zScore)].sort((a, b) => b - a));
  });

  it('gives z = 0 everywhere when every cell has the same count', () => {
    const counts = new Map(gridDisk(NEWCASTLE, 2).map((cell) => [cell, 3]));
    const cells = getisOrdGiStar(counts, { includeZeroCells: false });
    expect(cells.every((cell) => cell.zScore === 0 && cell.band === 'not_significant')).toBe(true);
  });

  it('uses more rings when asked and refuses bad options and cells', () => {
    expect(getisOrdGiStar(new Map([[NEWCASTLE, 5]]), { neighbourRings: 2 })).toHaveLength(61);
    expect(getisOrdGiStar(new Map())).toEqual([]);
    expect(() => getisOrdGiStar(new Map([[NEWCASTLE, 1]]), { neighbourRings: 0 })).toThrow('The neighbour rings must be a whole number from 1 to 10 (got 0).');
    expect(() => getisOrdGiStar(new Map([['not-a-cell', 1]]))).toThrow('"not-a-cell" is not an H3 cell index.');
    expect(() => getisOrdGiStar(new Map([[NEWCASTLE, -1]]))).toThrow(RangeError);
  });
});

describe('twoSidedPValue', () => {
  it('agrees with normal tables', () => {
    expect(twoSidedPValue(0)).toBeCloseTo(1, 6);
    expect(twoSidedPValue(1.644854)).toBeCloseTo(0.1, 6);
    expect(twoSidedPValue(-1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedPValue(2.575829)).toBeCloseTo(0.01, 6);
    expect(twoSidedPValue(5)).toBeCloseTo(5.733e-7, 9);
  });
});

describe('hotspotsGeoJson', () => {
  it('turns cells into closed hexagon polygons with their figures', () => {
    const collection = hotspotsGeoJson(getisOrdGiStar(new Map([[NEWCASTLE, 10]])));
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features).toHaveLength(19);
    const centre = collection.features.find((feature) => feature.id === NEWCASTLE)!;
    expect(centre.properties).toEqual({ cell: NEWCASTLE, count: 10, zScore: expect.closeTo(1.30931, 4), pValue: expect.closeTo(0.19043, 4), band: 'not_significant' });
    const ring = centre.geometry.coordinates[0]!;
    expect(ring).toHaveLength(7);
    expect(ring[0]).toEqual(ring[6]);
    const [latitude, longitude] = cellToLatLng(NEWCASTLE);
    for (const [x, y] of ring) {
      expect(Math.abs(x! - longitude)).toBeLessThan(0.005);
      expect(Math.abs(y! - latitude)).toBeLessThan(0.005);
    }
  });
});

describe('kernelDensity', () => {
  const bounds = { west: -1.65, south: 54.95, east: -1.55, north: 55.0 };

  it('spreads each point so that the surface sums to the number of points, peaking at the point', () => {
    const point = { latitude: 54.975, longitude: -1.6 };
    const surface = kernelDensity([point], { cellSizeMetres: 10, bandwidthMetres: 200, bounds });
    const cellAreaKm2 = (10 * 10) / 1e6;
    const total = surface.grid.flat().reduce((sum, value) => sum + value, 0) * cellAreaKm2;
    expect(total).toBeCloseTo(1, 2);
    // Peak of the quartic kernel: 3/(π h²) per m² = 3/(π·200²)·10⁶ per km², a little less off-centre.
    expect(surface.max).toBeLessThanOrEqual((3 / (Math.PI * 200 ** 2)) * 1e6);
    expect(surface.max).toBeGreaterThan(0.99 * (3 / (Math.PI * 200 ** 2)) * 1e6);
    const row = Math.floor(((point.latitude - surface.bounds.south) * METRES_PER_DEGREE) / 10);
    const column = Math.floor(((point.longitude - surface.bounds.west) * METRES_PER_DEGREE * Math.cos((54.975 * Math.PI) / 180)) / 10);
    expect(surface.grid[row]![column]).toBe(surface.max);
    expect(surface.grid[row]![column + 25]).toBe(0);
    expect(surface.grid[row + 25]![column]).toBe(0);
    expect(surface.grid[row]![column + 10]).toBeLessThan(surface.max);
  });

  it('doubles where two points coincide and covers the points plus the bandwidth by default', () => {
    const points = [{ latitude: 54.97, longitude: -1.6 }, { latitude: 54.97, longitude: -1.6 }, { latitude: 54.99, longitude: -1.58 }];
    const single = kernelDensity([points[0]!], { cellSizeMetres: 50, bandwidthMetres: 300 });
    const surface = kernelDensity(points, { cellSizeMetres: 50, bandwidthMetres: 300 });
    expect(surface.max).toBeCloseTo(2 * single.max, 6);
    expect(surface.bounds.west).toBeCloseTo(-1.6 - 300 / (METRES_PER_DEGREE * Math.cos((54.98 * Math.PI) / 180)), 6);
    expect(surface.bounds.south).toBeCloseTo(54.97 - 300 / METRES_PER_DEGREE, 6);
    expect(surface.bounds.north).toBeGreaterThanOrEqual(54.99 + 300 / METRES_PER_DEGREE);
    expect(surface.grid).toHaveLength(surface.rows);
    expect(surface.grid.every((line) => line.length === surface.columns)).toBe(true);
    const total = surface.grid.flat().reduce((sum, value) => sum + value, 0) * 0.0025;
    expect(total).toBeCloseTo(3, 1);
  });

  it('turns the surface into square cells above a share of the peak', () => {
    const surface = kernelDensity([{ latitude: 54.975, longitude: -1.6 }], { cellSizeMetres: 50, bandwidthMetres: 200, bounds });
    const all = densityGeoJson(surface);
    expect(all.features.length).toBe(surface.grid.flat().filter((value) => value > 0).length);
    expect(all.features.every((feature) => feature.properties.share > 0 && feature.properties.share <= 1)).toBe(true);
    expect(all.features.some((feature) => feature.properties.share === 1)).toBe(true);
    const ring = all.features[0]!.geometry.coordinates[0]!;
    expect(ring).toHaveLength(5);
    expect(ring[0]).toEqual(ring[4]);
    expect(densityGeoJson(surface, { minimumShare: 0.5 }).features.length).toBeLessThan(all.features.length);
    expect(densityGeoJson(kernelDensity([], { cellSizeMetres: 50, bandwidthMetres: 200, bounds })).features).toEqual([]);
  });

  it('refuses what it cannot draw', () => {
    expect(() => kernelDensity([], { cellSizeMetres: 50, bandwidthMetres: 200 })).toThrow('A density surface needs at least one point, or bounds to cover.');
    expect(() => kernelDensity([], { cellSizeMetres: 0, bandwidthMetres: 200, bounds })).toThrow(RangeError);
    expect(() => kernelDensity([], { cellSizeMetres: 1, bandwidthMetres: 200, bounds: { west: -3, south: 54, east: -1, north: 56 } })).toThrow(/choose larger cells or a smaller area/);
  });
});

describe('districts', () => {
  const file = path.resolve(import.meta.dirname, '../boundaries/districts.geojson');

  it('finds the district holding a point and counts points per district', async () => {
    const districts = await readDistrictsFile(file);
    expect(districts.map((district) => district.name).sort()).toEqual(['Gateshead', 'Newcastle upon Tyne', 'North Tyneside', 'Northumberland', 'South Tyneside', 'Sunderland']);
    const monument = { latitude: 54.9738, longitude: -1.6132 };
    const sunderland = { latitude: 54.906, longitude: -1.381 };
    const northSea = { latitude: 55.0, longitude: -1.0 };
    expect(districtOf(monument, districts)?.code).toBe('E08000021');
    expect(districtOf(sunderland, districts)?.name).toBe('Sunderland');
    expect(districtOf(northSea, districts)).toBeNull();
    const { counts, outside } = countByDistrict([monument, monument, sunderland, northSea], districts);
    expect(outside).toBe(1);
    expect(counts.get('E08000021')).toBe(2);
    expect(counts.get('E08000024')).toBe(1);
    expect(counts.get('E08000037')).toBe(0);
  });
});

describe('repeatLocations and countsByAreaCode', () => {
  const incidents = [
    { latitude: 54.97381, longitude: -1.61321, address: 'On or near Grey Street' },
    { latitude: 54.97379, longitude: -1.61319, address: 'on or near grey  street' },
    { latitude: 54.97384, longitude: -1.6132, address: 'On or near Grey Street' },
    { latitude: 54.99, longitude: -1.6, address: null },
    { latitude: 54.93, longitude: -1.52, address: 'On or near Grey Street' },
  ];

  it('counts places with two or more incidents, by rounded location or by address', () => {
    expect(repeatLocations(incidents)).toEqual([{ key: '54.9738,-1.6132', count: 3, latitude: 54.9738, longitude: -1.6132, address: 'On or near Grey Street' }]);
    const byAddress = repeatLocations(incidents, { groupBy: 'address' });
    expect(byAddress).toEqual([{ key: 'on or near grey street', count: 4, latitude: expect.closeTo(54.96286, 4), longitude: expect.closeTo(-1.5899, 4), address: 'On or near Grey Street' }]);
    expect(repeatLocations(incidents, { decimals: 1 }).map((repeat) => [repeat.key, repeat.count])).toEqual([['55.0,-1.6', 4]]);
    expect(repeatLocations(incidents, { minimumCount: 1 })).toHaveLength(3);
    expect(() => repeatLocations(incidents, { minimumCount: 0 })).toThrow(RangeError);
  });

  it('counts incidents per LSOA code', () => {
    expect(countsByAreaCode([{ lsoaCode: 'E01' }, { lsoaCode: 'E01' }, { lsoaCode: ' E02 ' }, { lsoaCode: null }, { lsoaCode: '' }])).toEqual({ counts: new Map([['E01', 2], ['E02', 1]]), withoutCode: 2 });
  });
});

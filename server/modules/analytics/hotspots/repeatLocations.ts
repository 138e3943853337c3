import type { GeoPoint } from './hexagonCounts.ts';

export interface LocatedIncident extends GeoPoint {
  /** Street address or police.uk's "On or near …" description, when known. */
  address?: string | null;
}

export interface RepeatLocation {
  /** The group's key: the rounded "latitude,longitude", or the address as normalised. */
  key: string;
  count: number;
  /** The rounded position (by location), or the mean position of the group (by address). */
  latitude: number;
  longitude: number;
  /** The address written most often in the group, null when none had one. */
  address: string | null;
}

export interface RepeatLocationOptions {
  /** 'location' (default): same position after rounding; 'address': same address, ignoring case and spacing. */
  groupBy?: 'location' | 'address';
  /** Decimal places of degrees kept when grouping by location; default 4 (about 11 m north–south). */
  decimals?: number;
  /** Smallest count reported; default 2 (a repeat). */
  minimumCount?: number;
}

/** Places with repeat incidents, most first (then by key, so the order is stable). */
export function repeatLocations(incidents: ReadonlyArray<LocatedIncident>, options: RepeatLocationOptions = {}): RepeatLocation[] {
  const groupBy = options.groupBy ?? 'location';
  const decimals = options.decimals ?? 4;
  const minimumCount = options.minimumCount ?? 2;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 8) throw new RangeError(`Decimals must be a whole number from 0 to 8 (got ${decimals}).`);
  if (!Number.isInteger(minimumCount) || minimumCount < 1) throw new RangeError(`The minimum count must be a whole number of 1 or more (got ${minimumCount}).`);

  const groups = new Map<string, { count: number; latitudeSum: number; longitudeSum: number; addresses: Map<string, number> }>();
  for (const incident of incidents) {
    const key = groupBy === 'address' ? normalisedAddress(incident.address) : `${incident.latitude.toFixed(decimals)},${incident.longitude.toFixed(decimals)}`;
    if (key === null) continue;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { count: 0, latitudeSum: 0, longitudeSum: 0, addresses: new Map() }));
    group.count += 1;
    group.latitudeSum += incident.latitude;
    group.longitudeSum += incident.longitude;
    const address = incident.address?.trim();
    if (address) group.addresses.set(address, (group.addresses.get(address) ?? 0) + 1);
  }

  const repeats: RepeatLocation[] = [];
  for (const [key, group] of groups) {
    if (group.count < minimumCount) continue;
    const [latitude, longitude] = groupBy === 'address' ? [group.latitudeSum / group.count, group.longitudeSum / group.count] : key.split(',').map(Number);
    repeats.push({ key, count: group.count, latitude: latitude!, longitude: longitude!, address: mostWritten(group.addresses) });
  }
  return repeats.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function normalisedAddress(address: string | null | undefined): string | null {
  const normalised = address?.trim().replace(/\s+/g, ' ').toLowerCase();
  return normalised ? normalised : null;
}

function mostWritten(addresses: Map<string, number>): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const [address, count] of addresses) {
    if (count > bestCount || (count === bestCount && best !== null && address < best)) [best, bestCount] = [address, count];
  }
  return best;
}

/** UK postcodes: "ne1 4st" → "NE1 4ST". Undefined when it cannot be a postcode. */
export function normalisePostcode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (compact.length < 5 || compact.length > 7) return undefined;
  const formatted = `${compact.slice(0, -3)} ${compact.slice(-3)}`;
  return /^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$/.test(formatted) ? formatted : undefined;
}

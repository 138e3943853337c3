// talisman ships no type declarations; this is the one function OneRoof uses from it.
declare module 'talisman/metrics/jaro-winkler.js' {
  /** Jaro–Winkler similarity from 0 (nothing in common) to 1 (identical). */
  export default function jaroWinkler(a: string, b: string): number;
}

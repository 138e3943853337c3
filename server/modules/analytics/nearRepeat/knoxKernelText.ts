/**
 * The WebAssembly text of the Knox counting kernel: for one event after another, and for each of
 * its close partners (grouped by distance band), it takes the days apart in eight permutations at
 * once (eight 16-bit lanes) and adds, per time band, how many of the eight fall within it. Counts
 * are cumulative (pairs at most T days apart), so no lane needs a branch; the caller takes
 * differences. Lane counters are 16-bit and flushed to 32-bit totals every 32,767 pairs at most.
 * One function per number of time bands (1 to MAX_KERNEL_TIME_BANDS) keeps every counter in a
 * register.
 */
export const MAX_KERNEL_TIME_BANDS = 8;
/** Bytes of 32-bit totals per distance band: MAX_KERNEL_TIME_BANDS × 8 lanes × 4 bytes. */
export const KERNEL_OUT_BYTES_PER_BAND = MAX_KERNEL_TIME_BANDS * 32;
const MAX_RUN = 32767;

function countFunction(timeBands: number): string {
  const bands = Array.from({ length: timeBands }, (_, t) => t);
  const locals = bands.map((t) => `(local $th${t} v128) (local $acc${t} v128)`).join(' ');
  const loadThresholds = bands.map((t) => `(local.set $th${t} (v128.load offset=${t * 16} (local.get $thresholds)))`).join('\n    ');
  const zero = bands.map((t) => `(local.set $acc${t} (v128.const i64x2 0 0))`).join('\n          ');
  const add = bands.map((t) => `(local.set $acc${t} (i16x8.sub (local.get $acc${t}) (i16x8.lt_u (local.get $a) (local.get $th${t}))))`).join('\n            ');
  const flush = bands
    .map(
      (t) => `(v128.store offset=${t * 32} (local.get $cell) (i32x4.add (v128.load offset=${t * 32} (local.get $cell)) (i32x4.extend_low_i16x8_u (local.get $acc${t}))))
          (v128.store offset=${t * 32 + 16} (local.get $cell) (i32x4.add (v128.load offset=${t * 32 + 16} (local.get $cell)) (i32x4.extend_high_i16x8_u (local.get $acc${t}))))`,
    )
    .join('\n          ');
  return `
  (func (export "count${timeBands}") (param $n i32) (param $bandCount i32) (param $segments i32) (param $partners i32) (param $days i32) (param $thresholds i32) (param $out i32)
    (local $i i32) (local $s i32) (local $k i32) (local $end i32) (local $runEnd i32) (local $segment i32) (local $cell i32)
    (local $di v128) (local $a v128) ${locals}
    ${loadThresholds}
    (block $eventsDone (loop $events
      (br_if $eventsDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $di (v128.load (i32.add (local.get $days) (i32.shl (local.get $i) (i32.const 4)))))
      (local.set $s (i32.const 0))
      (block $bandsDone (loop $bands
        (br_if $bandsDone (i32.ge_u (local.get $s) (local.get $bandCount)))
        (local.set $segment (i32.add (local.get $segments) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $bandCount)) (local.get $s)) (i32.const 2))))
        (local.set $k (i32.load (local.get $segment)))
        (local.set $end (i32.load offset=4 (local.get $segment)))
        (local.set $cell (i32.add (local.get $out) (i32.mul (local.get $s) (i32.const ${KERNEL_OUT_BYTES_PER_BAND}))))
        (block $runsDone (loop $runs
          (br_if $runsDone (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $runEnd (select (local.get $end) (i32.add (local.get $k) (i32.const ${MAX_RUN}))
            (i32.lt_u (i32.sub (local.get $end) (local.get $k)) (i32.const ${MAX_RUN}))))
          ${zero}
          (loop $pairs
            (local.set $a (i16x8.abs (i16x8.sub (local.get $di)
              (v128.load (i32.add (local.get $days) (i32.shl (i32.load (i32.add (local.get $partners) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 4)))))))
            ${add}
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $pairs (i32.lt_u (local.get $k) (local.get $runEnd))))
          ${flush}
          (br $runs)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $bands)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $events))))`;
}

export function knoxKernelText(): string {
  const functions = Array.from({ length: MAX_KERNEL_TIME_BANDS }, (_, index) => countFunction(index + 1)).join('\n');
  return `(module
  (import "env" "memory" (memory 1 65536 shared))
${functions}
)
`;
}

import type { Check } from '../check';
import { setValue, str, type Replacement } from '../editing/fixKit';
import { formatPath } from '../findings';
import { isObject } from '../model';
import { rule } from '../rule';

/**
 * Descriptor sizes. `size` is an int64 byte count, but JSON.parse reads numbers as doubles, so the exact
 * value is taken from the number's text in the document (the parsed value is only a fallback).
 *
 * A fraction the parsed value shows (1.5) is the schema check's type finding, not repeated here.
 *
 * Decision: an integral value written with a fraction or an exponent (`2.0`, `1e3`) is an error under
 * `oci/size-range`. JSON Schema would call it an integer, but Go's encoding/json (containerd, Docker,
 * the distribution registry) refuses to decode such text into an int64, so the manifest is rejected.
 */
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

interface ExactNumber {
  negative: boolean;
  /** True when the text is plain digits, as an int64 decoder requires. */
  plain: boolean;
  /** Whole-number magnitude, or 'fraction' when not whole, or 'huge' when beyond any int64. */
  magnitude: bigint | 'fraction' | 'huge';
}

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Reads a JSON number's text exactly. Undefined when the text is not a JSON number. */
export function exactNumber(raw: string): ExactNumber | undefined {
  const m = NUMBER.exec(raw);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  const plain = frac === '' && exp === undefined && !raw.includes('.');
  let digits = (int + frac).replace(/^0+/, '');
  // Exponents are bounded so that a hostile "1e999999999" costs nothing.
  let exp10 = (exp === undefined ? 0 : Math.max(-1e6, Math.min(1e6, Number(exp)))) - frac.length;
  const trimmed = digits.replace(/0+$/, '');
  exp10 += digits.length - trimmed.length;
  digits = trimmed;
  const negative = sign === '-';
  if (digits === '') return { negative: false, plain, magnitude: 0n };
  if (exp10 < 0) return { negative, plain, magnitude: 'fraction' };
  if (digits.length + exp10 > 20) return { negative, plain, magnitude: 'huge' };
  return { negative, plain, magnitude: BigInt(digits) * 10n ** BigInt(exp10) };
}

/** The number at `value` read exactly, from the document text when it can be found there. */
function readExact(
  text: string,
  span: { offset: number; length: number } | undefined,
  value: number,
): ExactNumber | undefined {
  if (span) {
    const exact = exactNumber(text.slice(span.offset, span.offset + span.length));
    if (exact) return exact;
  }
  if (!Number.isFinite(value)) return { negative: value < 0, plain: false, magnitude: 'huge' };
  if (!Number.isInteger(value)) return { negative: value < 0, plain: false, magnitude: 'fraction' };
  return { negative: value < 0 && !Object.is(value, -0), plain: true, magnitude: BigInt(Math.abs(value)) };
}

export const sizeRange = rule<Replacement>({
  code: 'oci/size-range',
  severity: 'error',
  title: '`size` is not a whole number from 0 to 2^63 − 1 written as plain digits',
  description:
    "A descriptor's `size` is an int64 count of bytes and must not be negative. Fractions, values above 9223372036854775807, and integral values written with a decimal point or an exponent (`2.0`, `1e3`) are refused by Go-based registries and runtimes, whose JSON decoder reads int64 fields from plain digits only.",
  spec: 'image-spec/descriptor.md#properties',
  fix: (c) => {
    const digits = str(c.data.replacement);
    return digits && /^\d+$/.test(digits)
      ? setValue(c, undefined, `Write the size as ${digits}`, true, digits)
      : undefined;
  },
});

export const sizePrecision = rule<{ exact: string }>({
  code: 'oci/size-precision',
  severity: 'warning',
  title: '`size` is above 2^53 − 1, where JSON tools lose precision',
  description:
    "Many JSON tools (JavaScript, jq, Python's float paths) read numbers as IEEE 754 doubles, which hold whole numbers exactly only up to 9007199254740991; above that, sizes silently change. The spec asks JSON numbers to stay within double precision (I-JSON).",
  spec: 'image-spec/considerations.md#json',
});

export const sizeCheck: Check = {
  id: 'size',
  rules: [sizeRange, sizePrecision],
  run(ctx) {
    const { root, text, json } = ctx;
    if (!isObject(root)) return;
    // Whether any member value in the text is written with a fraction or an exponent. When none is, a
    // safe non-negative integer's text is its plain digits and needs no lookup (the common, fast case).
    let fancy: boolean | undefined;
    for (const d of ctx.descriptors) {
      const value = d.value.size;
      if (typeof value !== 'number') continue;
      // A visible fraction (1.5) is the schema check's type finding ("must be an integer"); this check
      // sees what the parsed value hides: notation, int64 overflow, fractions too fine for a double.
      if (Number.isFinite(value) && !Number.isInteger(value)) continue;
      if (Number.isSafeInteger(value) && value >= 0) {
        fancy ??= json.strict ? !json.plainNumbers : /"[ \t\r\n]*:[ \t\r\n]*-?\d+[.eE]/.test(text);
        if (!fancy) continue;
      }
      const path = [...d.path, 'size'];
      const field = formatPath(path);
      const span = json.locate(path);
      const raw = span ? text.slice(span.offset, span.offset + span.length) : String(value);
      const exact = readExact(text, span, value);
      if (!exact) continue;
      const { negative, plain, magnitude } = exact;
      if (negative && magnitude !== 0n) {
        ctx.report(
          sizeRange,
          { path },
          `${field} is ${raw}, a negative number; a size counts bytes and must be 0 or more.`,
        );
      } else if (magnitude === 'fraction') {
        ctx.report(
          sizeRange,
          { path },
          `${field} is ${raw}, which is not a whole number (JavaScript rounds it to ${String(value)}); a size is an int64 count of bytes.`,
        );
      } else if (magnitude === 'huge' || magnitude > INT64_MAX) {
        ctx.report(
          sizeRange,
          { path },
          `${field} is ${raw}, above 9223372036854775807 (2^63 − 1), the largest size an int64 can hold.`,
        );
      } else if (!plain) {
        const digits = magnitude.toString();
        ctx.report(
          sizeRange,
          { path },
          `${field} is written as ${raw}; Go-based registries and runtimes decode sizes as int64 from plain digits only and reject a decimal point or exponent. Write ${digits}.`,
          { replacement: digits },
        );
      } else if (magnitude > SAFE_MAX) {
        const read = String(value);
        const digits = magnitude.toString();
        ctx.report(
          sizePrecision,
          { path },
          `${field} is ${digits}, above 9007199254740991 (2^53 − 1); tools that read JSON numbers as doubles (JavaScript, jq) ${
            read === digits ? 'cannot tell it from its neighbours' : `read it as ${read}`
          }, so the size may silently change.`,
          { exact: digits },
        );
      }
    }
  },
};

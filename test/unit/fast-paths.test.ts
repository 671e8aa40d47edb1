/**
 * The allocation-free validators that the checks try first (for speed on large indexes) must agree exactly
 * with the grammar they stand for. Each is compared with a plain regular-expression reference on seeded
 * random values: valid ones, mutated ones, and strings from the grammar's alphabet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { areCanonicalSha256, isCanonicalSha256 } from '../../server/src/core/digest';
import { isValidRefName, refNameProblem } from '../../server/src/core/checks/annotations';
import { dateTimeProblem, isValidDateTime } from '../../server/src/core/datetime';

const SEED = 20261129;
const RUNS = 5000;

/** Replaces, inserts or deletes characters of `base` at random, from `alphabet`. */
const mutated = (base: fc.Arbitrary<string>, alphabet: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      base,
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom(...alphabet.split('')),
          fc.constantFrom('set', 'insert', 'delete'),
        ),
        {
          maxLength: 3,
        },
      ),
    )
    .map(([s, edits]) => {
      let out = s;
      for (const [n, ch, op] of edits) {
        const i = out.length === 0 ? 0 : n % out.length;
        if (op === 'set') out = out.slice(0, i) + ch + out.slice(i + 1);
        else if (op === 'insert') out = out.slice(0, i) + ch + out.slice(i);
        else out = out.slice(0, i) + out.slice(i + 1);
      }
      return out;
    });

const fromAlphabet = (alphabet: string, maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet.split('')), { maxLength }).map((a) => a.join(''));

// ------------------------------------------------------------------------------------------ sha256

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const hex64 = fc
  .array(fc.constantFrom(...'0123456789abcdef'.split('')), { minLength: 64, maxLength: 64 })
  .map((a) => a.join(''));
const validSha = hex64.map((h) => `sha256:${h}`);

test('isCanonicalSha256 agrees with /^sha256:[0-9a-f]{64}$/', () => {
  const arb = fc.oneof(validSha, mutated(validSha, '0af9AFgxz:/.\u00e9\u0130\u0000'), hex64);
  fc.assert(
    fc.property(arb, (v) => isCanonicalSha256(v) === SHA256.test(v)),
    { seed: SEED, numRuns: RUNS },
  );
  for (const v of [
    `sha256:${'a'.repeat(64)}`,
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'a'.repeat(63)}\u0161`, // a code above 127 whose low 7 bits are a hex letter
    `sha256:${'a'.repeat(63)}\u0130`,
    `sha512:${'a'.repeat(64)}`,
    `SHA256:${'a'.repeat(64)}`,
  ])
    assert.equal(isCanonicalSha256(v), SHA256.test(v), v);
});

test('areCanonicalSha256 on joined digests agrees with checking each one', () => {
  const one = fc.oneof(
    { weight: 4, arbitrary: validSha },
    // Each side of every range the word check tests: / 0 9 : ` a f g, and non-ASCII.
    mutated(validSha, '0af9AFgxz:/.`@\u00e9\u0130\u0000'),
  );
  fc.assert(
    fc.property(fc.array(one, { minLength: 1, maxLength: 12 }), (list) => {
      // Joined digests are only meaningful when each is 71 characters, as the digest check ensures.
      fc.pre(list.every((d) => d.length === 71));
      return areCanonicalSha256(list.join('')) === list.every((d) => SHA256.test(d));
    }),
    { seed: SEED, numRuns: RUNS },
  );
  assert.equal(areCanonicalSha256(''), false);
  assert.equal(areCanonicalSha256(`sha256:${'a'.repeat(63)}\u00e1`), false); // one character outside ASCII
});

// ------------------------------------------------------------------------------------------ date-time

/** RFC 3339 date-time as a regex, with the calendar and clock ranges checked separately. */
function referenceDateTime(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/.exec(
    v,
  );
  if (!m) return false;
  const [year, month, day, h, mi, s] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > days[month - 1]!) return false;
  if (h > 23 || mi > 59 || s > 60) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

const two = (max: number): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const dateTimes = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
    two(13),
    two(32),
    fc.constantFrom('T', 't', ' '),
    two(24),
    two(60),
    two(61),
    fc.option(fc.integer({ min: 0, max: 999999999 }).map((n) => `.${n}`)),
    fc.oneof(
      fc.constantFrom('Z', 'z', ''),
      fc.tuple(fc.constantFrom('+', '-'), two(24), two(60)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
  )
  .map(([y, mo, d, t, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${frac ?? ''}${zone}`);

test('isValidDateTime agrees with the RFC 3339 date-time grammar and calendar', () => {
  const arb = fc.oneof(dateTimes, mutated(dateTimes, '0129-:.TZz+ x'), fromAlphabet('0123456789-:TZ.+', 30));
  fc.assert(
    fc.property(arb, (v) => isValidDateTime(v) === referenceDateTime(v)),
    { seed: SEED, numRuns: RUNS },
  );
  for (const v of [
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2024-01-01T00:00:60.5+23:59',
    '2024-01-01T00:00:00.Z',
  ])
    assert.equal(isValidDateTime(v), referenceDateTime(v), v);
});

test('dateTimeProblem still explains what the fast path rejects', () => {
  assert.equal(dateTimeProblem('2024-05-01T12:30:00Z'), undefined);
  assert.match(dateTimeProblem('2023-02-29T00:00:00Z')?.says ?? '', /day 29/);
  assert.match(dateTimeProblem('2024-05-01 12:30:00Z')?.says ?? '', /space/);
});

// ------------------------------------------------------------------------------------------ ref.name

const REF = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*$/;
const referenceRefName = (v: string): boolean =>
  !/[^A-Za-z0-9\-._:@/+]/.test(v) && v.split('/').every((c) => REF.test(c));
const refNames = fromAlphabet('aZ09-._:@+/', 16);

test('isValidRefName agrees with the ref.name grammar', () => {
  const arb = fc.oneof(
    refNames,
    mutated(fc.constantFrom('v1.2.3', 'stable-release', 'a--b/c_d', 'x@y+z:1'), '-/._ a\u00e9'),
  );
  fc.assert(
    fc.property(arb, (v) => isValidRefName(v) === referenceRefName(v)),
    { seed: SEED, numRuns: RUNS },
  );
  for (const v of ['', 'a', 'a--b', 'a---b', 'a-.b', 'a/b', 'a//b', '/a', 'a/', 'a.', '-a', 'a\u00e9'])
    assert.equal(isValidRefName(v), referenceRefName(v), v);
  assert.equal(refNameProblem('a---b')?.says.startsWith('is not a valid reference name'), true);
});

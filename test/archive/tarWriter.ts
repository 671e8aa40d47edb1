/**
 * A small tar writer for tests that need archives no well-behaved tool writes: names with `..` or NUL, a size
 * field that lies, base-256 numbers, pax records, GNU long names, members past the end. Every header gets a
 * correct checksum unless asked otherwise. Real archives in the tests come from GNU tar and skopeo.
 */

export interface TarSpec {
  name: string;
  /** Member data (default empty). */
  data?: Uint8Array | string;
  /** Type flag character (default '0', or '5' for a name ending in '/'). */
  type?: string;
  linkname?: string;
  /** The size written in the header, when it must differ from the data's length. */
  size?: number;
  mode?: number;
  /** Pax records written in an 'x' header before the member. */
  pax?: Record<string, string>;
  /** Write the name in a GNU 'L' member first (the header gets a truncated name). */
  gnuLongName?: boolean;
  /** Write the size in GNU base-256. */
  base256Size?: boolean;
  /** Header magic (default ustar). */
  format?: 'ustar' | 'gnu';
  /** Break the checksum. */
  badChecksum?: boolean;
}

const enc = new TextEncoder();
const bytes = (d: Uint8Array | string | undefined): Uint8Array =>
  d === undefined ? new Uint8Array(0) : typeof d === 'string' ? enc.encode(d) : d;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One header block with a valid checksum (unless `bad`). */
export function header(
  fields: {
    name: string;
    size: number;
    type: string;
    mode?: number;
    linkname?: string;
    base256Size?: boolean;
    format?: 'ustar' | 'gnu';
  },
  bad = false,
): Uint8Array {
  const b = new Uint8Array(512);
  const put = (s: string | Uint8Array, at: number, max: number): void => {
    const v = typeof s === 'string' ? enc.encode(s) : s;
    b.set(v.subarray(0, max), at);
  };
  put(fields.name, 0, 100);
  put(octal(fields.mode ?? 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  if (fields.base256Size) {
    b[124] = 0x80;
    let v = fields.size;
    for (let i = 135; i > 124; i--) {
      b[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else put(octal(fields.size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  b[156] = fields.type.charCodeAt(0);
  put(fields.linkname ?? '', 157, 100);
  if (fields.format === 'gnu') put('ustar  \0', 257, 8);
  else put('ustar\x0000', 257, 8);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  if (bad) sum += 1;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return b;
}

const pad = (n: number): Uint8Array => new Uint8Array((512 - (n % 512)) % 512);

function paxData(records: Record<string, string>): Uint8Array {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    const bl = enc.encode(body).length;
    let len = bl + 1;
    while (String(len).length + bl !== len) len = String(len).length + bl;
    out += `${len}${body}`;
  }
  return enc.encode(out);
}

/** The blocks of one member (with its pax or GNU long-name header first, when asked). */
export function member(spec: TarSpec): Uint8Array[] {
  const data = bytes(spec.data);
  const out: Uint8Array[] = [];
  if (spec.pax) {
    const p = paxData(spec.pax);
    out.push(header({ name: 'PaxHeader', size: p.length, type: 'x' }), p, pad(p.length));
  }
  let name = spec.name;
  if (spec.gnuLongName) {
    const n = enc.encode(`${spec.name}\0`);
    out.push(header({ name: '././@LongLink', size: n.length, type: 'L', format: 'gnu' }), n, pad(n.length));
    name = spec.name.slice(0, 99);
  }
  const type = spec.type ?? (spec.name.endsWith('/') ? '5' : '0');
  const h = {
    name,
    size: spec.size ?? data.length,
    type,
    mode: spec.mode,
    linkname: spec.linkname,
    base256Size: spec.base256Size,
    format: spec.format ?? (spec.gnuLongName ? 'gnu' : 'ustar'),
  } as const;
  out.push(header(h, spec.badChecksum), data, pad(data.length));
  return out;
}

/** A whole archive; `end: false` leaves out the two zero blocks. */
export function makeTar(specs: TarSpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Uint8Array[] = [];
  for (const s of specs) parts.push(...member(s));
  if (options.end !== false) parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

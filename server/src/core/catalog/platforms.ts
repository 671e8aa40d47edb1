/**
 * Platform values: operating systems, CPU architectures and their variants, as image-spec/image-index.md
 * and config.md point to them (Go's GOOS/GOARCH, the Platform Variants table), plus the values seen in the
 * wild (WASI, BuildKit's `unknown/unknown` attestation entries). Data only: the platform check, hovers and
 * completions share it.
 */

/** One known value with a short description for hovers and completions. */
export interface PlatformValue {
  value: string;
  description: string;
}

/** An architecture and the CPU variants that go with it. */
export interface ArchitectureInfo extends PlatformValue {
  /**
   * The variants this architecture takes. `table`: listed (or implied by "…") in image-index.md's Platform
   * Variants table; `go`: not in the table, but the Go analog the spec says variants should resemble.
   */
  variants: readonly PlatformValue[];
  variantSource?: 'table' | 'go';
}

/** Operating systems: the GOOS values of `go tool dist list`, plus WASI preview 2 and BuildKit's `unknown`. */
export const OPERATING_SYSTEMS: readonly PlatformValue[] = [
  { value: 'linux', description: 'Linux.' },
  {
    value: 'windows',
    description: 'Microsoft Windows; `os.version` and `os.features` (e.g. `win32k`) refine it.',
  },
  { value: 'darwin', description: 'Apple macOS (Go calls it darwin).' },
  { value: 'freebsd', description: 'FreeBSD.' },
  { value: 'netbsd', description: 'NetBSD.' },
  { value: 'openbsd', description: 'OpenBSD.' },
  { value: 'dragonfly', description: 'DragonFly BSD.' },
  { value: 'solaris', description: 'Oracle Solaris.' },
  { value: 'illumos', description: 'illumos (OpenSolaris descendants such as OmniOS and SmartOS).' },
  { value: 'aix', description: 'IBM AIX.' },
  { value: 'plan9', description: 'Plan 9 from Bell Labs.' },
  { value: 'android', description: 'Android.' },
  { value: 'ios', description: 'Apple iOS.' },
  {
    value: 'js',
    description: 'JavaScript hosts (browsers, Node.js) running WebAssembly; pairs with `wasm`.',
  },
  { value: 'wasip1', description: 'WebAssembly System Interface, preview 1; pairs with `wasm`.' },
  {
    value: 'wasip2',
    description: 'WebAssembly System Interface, preview 2 (components); pairs with `wasm`.',
  },
  {
    value: 'unknown',
    description:
      'No operating system: BuildKit uses `unknown/unknown` for attestation manifests in an index.',
  },
];

const v = (value: string, description: string): PlatformValue => ({ value, description });

const armVariants = [
  v('v5', 'ARMv5 (GOARM=5): software floating point.'),
  v('v6', 'ARMv6 (GOARM=6), e.g. Raspberry Pi 1 and Zero.'),
  v('v7', 'ARMv7 (GOARM=7), hardware floating point: the usual 32-bit ARM target.'),
  v('v8', 'ARMv8 CPU running 32-bit ARM code.'),
];

const arm64Variants: PlatformValue[] = [v('v8', 'ARMv8.0-A, the baseline 64-bit ARM.')];
for (let i = 0; i <= 9; i++) arm64Variants.push(v(`v8.${i}`, `ARMv8.${i}-A (GOARM64=v8.${i}).`));
arm64Variants.push(v('v9', 'ARMv9.0-A.'));
for (let i = 0; i <= 5; i++) arm64Variants.push(v(`v9.${i}`, `ARMv9.${i}-A (GOARM64=v9.${i}).`));

const amd64Variants = [
  v('v1', 'x86-64 baseline (GOAMD64=v1); the same as no variant.'),
  v('v2', 'x86-64-v2: adds SSE3, SSE4.1/4.2, SSSE3, POPCNT (GOAMD64=v2).'),
  v('v3', 'x86-64-v3: adds AVX, AVX2, BMI1/2, FMA (GOAMD64=v3).'),
  v('v4', 'x86-64-v4: adds AVX-512 (GOAMD64=v4).'),
];

const powerVariants = [
  v('power8', 'POWER8 (GOPPC64=power8), the baseline.'),
  v('power9', 'POWER9 (GOPPC64=power9).'),
  v('power10', 'POWER10 (GOPPC64=power10).'),
];

const floatVariants = [
  v('hardfloat', 'Hardware floating point (the Go analog GOMIPS).'),
  v('softfloat', 'Software floating point.'),
];

/** Architectures: the GOARCH values of `go tool dist list`, plus BuildKit's `unknown`. */
export const ARCHITECTURES: readonly ArchitectureInfo[] = [
  {
    value: 'amd64',
    description: '64-bit x86 (x86-64, Intel 64, AMD64).',
    variants: amd64Variants,
    variantSource: 'table',
  },
  { value: 'arm64', description: '64-bit ARM (AArch64).', variants: arm64Variants, variantSource: 'table' },
  {
    value: 'arm',
    description: '32-bit ARM; give the CPU generation as `variant` (v6, v7…).',
    variants: armVariants,
    variantSource: 'table',
  },
  {
    value: '386',
    description: '32-bit x86 (i386 to i686).',
    variants: [
      v('sse2', 'Uses SSE2 (GO386=sse2).'),
      v('softfloat', 'No SSE2; software floating point (GO386=softfloat).'),
    ],
    variantSource: 'go',
  },
  {
    value: 'ppc64le',
    description: '64-bit POWER, little-endian.',
    variants: powerVariants,
    variantSource: 'table',
  },
  { value: 'ppc64', description: '64-bit POWER, big-endian.', variants: powerVariants, variantSource: 'go' },
  {
    value: 'riscv64',
    description: '64-bit RISC-V.',
    variants: [
      v('rva20u64', 'RVA20U64 profile (GORISCV64=rva20u64), the baseline.'),
      v('rva22u64', 'RVA22U64 profile (GORISCV64=rva22u64).'),
      v('rva23u64', 'RVA23U64 profile (GORISCV64=rva23u64).'),
    ],
    variantSource: 'table',
  },
  { value: 's390x', description: 'IBM Z (64-bit).', variants: [] },
  { value: 'loong64', description: '64-bit LoongArch.', variants: [] },
  { value: 'mips', description: '32-bit MIPS, big-endian.', variants: floatVariants, variantSource: 'go' },
  {
    value: 'mipsle',
    description: '32-bit MIPS, little-endian.',
    variants: floatVariants,
    variantSource: 'go',
  },
  { value: 'mips64', description: '64-bit MIPS, big-endian.', variants: floatVariants, variantSource: 'go' },
  {
    value: 'mips64le',
    description: '64-bit MIPS, little-endian.',
    variants: floatVariants,
    variantSource: 'go',
  },
  { value: 'wasm', description: 'WebAssembly; pairs with `wasip1`, `wasip2` or `js`.', variants: [] },
  {
    value: 'unknown',
    description: 'No architecture: BuildKit uses `unknown/unknown` for attestation manifests in an index.',
    variants: [],
  },
];

export const OS_BY_VALUE: ReadonlyMap<string, PlatformValue> = new Map(
  OPERATING_SYSTEMS.map((o) => [o.value, o]),
);
export const ARCH_BY_VALUE: ReadonlyMap<string, ArchitectureInfo> = new Map(
  ARCHITECTURES.map((a) => [a.value, a]),
);

/** A common misspelling and what it stands for. */
export interface PlatformNearMiss {
  replacement: string;
  /** For architectures that fold a CPU generation into the name (`armv7l`): the variant to set. */
  variant?: string;
}

/** Operating-system names people write (uname, marketing names) for the Go names. Keys are lowercase. */
export const OS_NEAR_MISSES: Readonly<Record<string, PlatformNearMiss>> = {
  macos: { replacement: 'darwin' },
  macosx: { replacement: 'darwin' },
  osx: { replacement: 'darwin' },
  mac: { replacement: 'darwin' },
  win: { replacement: 'windows' },
  win32: { replacement: 'windows' },
  win64: { replacement: 'windows' },
  windows_nt: { replacement: 'windows' },
  sunos: { replacement: 'solaris' },
  wasi: { replacement: 'wasip1' },
};

/** Architecture names from uname, Debian and distribution ports for the Go names. Keys are lowercase. */
export const ARCH_NEAR_MISSES: Readonly<Record<string, PlatformNearMiss>> = {
  x86_64: { replacement: 'amd64' },
  'x86-64': { replacement: 'amd64' },
  x64: { replacement: 'amd64' },
  aarch64: { replacement: 'arm64' },
  arm64v8: { replacement: 'arm64', variant: 'v8' },
  armhf: { replacement: 'arm', variant: 'v7' },
  armv7l: { replacement: 'arm', variant: 'v7' },
  armv7: { replacement: 'arm', variant: 'v7' },
  armv7hl: { replacement: 'arm', variant: 'v7' },
  armel: { replacement: 'arm', variant: 'v6' },
  armv6l: { replacement: 'arm', variant: 'v6' },
  armv6: { replacement: 'arm', variant: 'v6' },
  armv5l: { replacement: 'arm', variant: 'v5' },
  armv5tel: { replacement: 'arm', variant: 'v5' },
  i386: { replacement: '386' },
  i486: { replacement: '386' },
  i586: { replacement: '386' },
  i686: { replacement: '386' },
  x86: { replacement: '386' },
  ppc64el: { replacement: 'ppc64le' },
  powerpc64le: { replacement: 'ppc64le' },
  powerpc64: { replacement: 'ppc64' },
  loongarch64: { replacement: 'loong64' },
  mipsel: { replacement: 'mipsle' },
  mips64el: { replacement: 'mips64le' },
  wasm32: { replacement: 'wasm' },
};

/** Windows `os.features` values the spec lists. */
export const WINDOWS_OS_FEATURES: readonly PlatformValue[] = [
  v('win32k', 'The image needs win32k.sys on the host (Nano Server does not have it).'),
];

/** The platform properties, for hovers. */
export const PLATFORM_PROPERTIES: readonly PlatformValue[] = [
  v('architecture', 'The CPU architecture, as a Go GOARCH value (`amd64`, `arm64`, `arm`, `ppc64le`…).'),
  v('os', 'The operating system, as a Go GOOS value (`linux`, `windows`…).'),
  v(
    'os.version',
    'The operating system version the image targets; the format is up to the implementation (Windows uses e.g. `10.0.17763.1234`).',
  ),
  v('os.features', 'Operating system features the image requires; on Windows, `win32k`.'),
  v(
    'variant',
    'The CPU variant within the architecture (`v7` for 32-bit ARM, `v8` for arm64, `v2`/`v3` for amd64…).',
  ),
  v(
    'features',
    'Reserved by OCI for a future version; in Docker manifest lists, required CPU features such as `sse4`.',
  ),
];

/**
 * The canonical form of a variant written the way uname or image tags spell it (`armv7l`, `arm64v8`, `V8`,
 * `8`, `POWER9`, `x86-64-v3`): undefined when the spelling is not recognisably one of the known forms.
 */
export function canonicalVariant(variant: string): string | undefined {
  const lower = variant.trim().toLowerCase();
  const gen = /^(?:arm(?:64)?|aarch64)?v?(\d+(?:\.\d+)?)l?$/.exec(lower);
  if (gen) return `v${gen[1]}`;
  const x86 = /^x86[-_]?64[-_]?(v\d)$/.exec(lower);
  if (x86) return x86[1];
  const power = /^(?:power|pwr|p)(\d+)$/.exec(lower);
  if (power) return `power${power[1]}`;
  return lower !== variant ? lower : undefined;
}

/**
 * The variant clients assume when an entry names none, so `arm64` and `arm64/v8` count as the same platform
 * (the normalisation containerd applies when it matches platforms).
 */
export function normalizedVariant(architecture: string, variant: string | undefined): string {
  const x = variant ?? '';
  if (architecture === 'arm64') return x === '' || x === 'v8.0' ? 'v8' : x === 'v9.0' ? 'v9' : x;
  if (architecture === 'amd64' && x === '') return 'v1';
  if (architecture === 'arm' && x === '') return 'v7';
  return x;
}

import type { Feature } from './feature';

/** THE table of LSP features beyond diagnostics. Each lives in its own file in this folder. */
export const FEATURES: readonly Feature[] = [];

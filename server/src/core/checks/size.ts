import type { Check } from '../check';

/** TODO(owner): the size checks. */
export const sizeCheck: Check = {
  id: 'size',
  rules: [],
  run() {},
};

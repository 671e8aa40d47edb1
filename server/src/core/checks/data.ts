import type { Check } from '../check';

/** TODO(owner): the data checks. */
export const dataCheck: Check = {
  id: 'data',
  rules: [],
  run() {},
};

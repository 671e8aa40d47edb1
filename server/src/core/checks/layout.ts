import type { Check } from '../check';

/** TODO(owner): the layout checks. */
export const layoutCheck: Check = {
  id: 'layout',
  rules: [],
  run() {},
};

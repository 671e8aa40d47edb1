import type { Check } from '../check';

/** TODO(owner): the config checks. */
export const configCheck: Check = {
  id: 'config',
  rules: [],
  run() {},
};

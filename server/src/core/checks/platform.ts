import type { Check } from '../check';

/** TODO(owner): the platform checks. */
export const platformCheck: Check = {
  id: 'platform',
  rules: [],
  run() {},
};

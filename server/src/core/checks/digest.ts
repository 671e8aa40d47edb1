import type { Check } from '../check';

/** TODO(owner): the digest checks. */
export const digestCheck: Check = {
  id: 'digest',
  rules: [],
  run() {},
};

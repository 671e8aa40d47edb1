import type { Check } from '../check';

/** TODO(owner): the docker checks. */
export const dockerCheck: Check = {
  id: 'docker',
  rules: [],
  run() {},
};

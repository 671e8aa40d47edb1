import type { Check } from '../check';

/** TODO(owner): the schema checks. */
export const schemaCheck: Check = {
  id: 'schema',
  rules: [],
  run() {},
};

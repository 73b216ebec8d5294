import type { JsonObject } from '../common/json';

/** Keys whose values are credentials, shown as the seed shows them (`"mysql_password":"******"`). */
const SECRET_KEY = /pass(word|wd)?|secret|token|credential|private[-_]?key|api[-_]?key|access[-_]?key/i;
export const MASK = '******';

/** The values with every leaf under a secret-looking key masked; the structure stays readable. */
export const maskSecrets = (values: JsonObject): JsonObject => masked(values, false) as JsonObject;

function masked(value: unknown, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => masked(item, secret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, masked(item, secret || SECRET_KEY.test(key))]),
    );
  }
  return secret ? MASK : value;
}

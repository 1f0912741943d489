import { badUserInput } from '../errors.js';

/**
 * The upstream id in an entity representation, as `_entities` receives it. Representations
 * are `_Any`: nothing validated them, so the key is checked here like an argument would be.
 * A string "12" would otherwise reach the loaders beside the number 12 and be fetched twice.
 *
 * Call it inside an async `__resolveReference`: @apollo/subgraph maps the representations
 * synchronously, so a synchronous throw would fail the whole `_entities` list instead of
 * nulling this one representation.
 */
export function referenceId<K extends string>(representation: { [key in K]: unknown }, key: K): number {
  const value = representation[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw badUserInput(`An entity representation's \`${key}\` must be a positive integer (got ${JSON.stringify(value) ?? 'nothing'}).`, {
      argumentName: 'representations',
    });
  }
  return value;
}

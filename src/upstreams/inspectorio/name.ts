/**
 * The upstream's name (`upstream` in errors, metrics and logs), in a module of its own so that
 * the definition and the mapping it imports both read it without importing each other.
 */
export const INSPECTORIO_NAME = 'inspectorio';

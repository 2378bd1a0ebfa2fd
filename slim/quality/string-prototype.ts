/**
 * When a class extends String (ioredis's `VerbatimString`, loaded by every worker), V8 switches
 * String.prototype to slow dictionary properties, and string method calls (charCodeAt, trim) are then
 * neither cached nor inlined well: the format step measured about 3× slower in a process that had
 * loaded ioredis. V8 makes a prototype fast again when an inline cache looks a property up through
 * it, and keeps it fast from then on: a failed lookup on an object whose prototype is String.prototype
 * does that, once V8 has given the looking function its caches (after a handful of calls).
 */
const throughStringPrototype = Object.create(String.prototype) as { readonly 'no such property'?: unknown };

/** Where the lookup's answer goes, so that no compiler drops the lookup as unused. */
let lookedUp: unknown;

/**
 * Keeps String.prototype in V8's fast mode (see above): a few ns, called once per evaluation by the
 * format step, after which the steps read strings character by character. Changes nothing any code
 * can observe.
 */
export function keepStringMethodsFast(): void {
  lookedUp = throughStringPrototype['no such property'];
}

/** What the last lookup found: nothing, unless some code gave String.prototype that very property. */
export const stringPrototypeLookup = (): unknown => lookedUp;

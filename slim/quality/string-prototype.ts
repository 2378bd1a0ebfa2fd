/**
 * When a class extends String (ioredis's `VerbatimString`, loaded by every worker), V8 switches
 * String.prototype to slow dictionary properties, and string method calls (charCodeAt, trim) are then
 * neither cached nor inlined well: the format step measured about 3× slower in a process that had
 * loaded ioredis. V8 makes a prototype fast again when an inline cache looks a property up through it,
 * so a failed lookup on an object whose prototype is String.prototype restores it; and should anything
 * turn it slow again later, that cache misses (or its optimized code deoptimizes) and restores it again.
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

// Creating the object above made String.prototype a prototype once more, which also slows it: restore it now.
keepStringMethodsFast();

/** What the last lookup found: nothing, unless some code gave String.prototype that very property. */
export const stringPrototypeLookup = (): unknown => lookedUp;

/**
 * Deterministic JSON for everything hashed or signed. The one definition lives in schemas/ so that
 * code with no server dependencies (signing in a dApp or the CLI) derives the same bytes.
 */
export { canonicalJson } from '../schemas/canonical-json.ts';

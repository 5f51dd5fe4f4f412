/**
 * Test tiers (`npm run test:fast` sets LF_TEST_TIER=fast): the fast tier runs on in-process backends only, so the
 * suites that need a server process of their own (Redis, PostgreSQL, PGlite over a socket, Chroma) skip there
 * with this reason. `npm test` runs everything.
 */
export const FAST_TIER = process.env.LF_TEST_TIER === 'fast';

/** A skip reason in the fast tier, else `false`. */
export function outOfProcessBackend(what: string): false | string {
  return FAST_TIER ? `fast tier: ${what} runs in \`npm test\`, not in \`npm run test:fast\`` : false;
}

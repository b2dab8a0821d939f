/** Replaced at bundle time from package.json (scripts/build.mjs); the fallback is for tests run from source. */
declare const __PLUGIN_VERSION__: string | undefined;
export const PLUGIN_VERSION: string = typeof __PLUGIN_VERSION__ === 'string' ? __PLUGIN_VERSION__ : '0.0.0-dev';

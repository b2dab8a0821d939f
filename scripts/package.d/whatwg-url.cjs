// Stand-in for the npm whatwg-url package in our bundles. node-fetch 2 (through
// @kubernetes/client-node) reads `Url.URL || whatwgUrl.URL`, so whatwg-url is only a fallback for
// a Node without url.URL (before Node 10). Loading it pulls in tr46, which requires Node's
// deprecated punycode module and makes Node >= 22 print DEP0040 on every command.
module.exports = { URL: globalThis.URL };

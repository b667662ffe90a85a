// The API's path prefixes: the dev server (port 3000) proxies these to the backend on 5050.
// The app's own pages live under /app/, so a reload there never lands on an API route.
// routes.test.ts keeps this equal to the paths openapi.json documents.
export const apiPrefixes = [
  '/accounts',
  '/audit',
  '/changes',
  '/demo',
  '/deploy',
  '/diff',
  '/extract',
  '/healthz',
  '/jobs',
  '/me',
  '/openapi.json',
  '/promotion-rules',
  '/readyz',
  '/releases',
  '/rollback',
  '/snapshot',
  '/tokens',
];

// The initial JavaScript a browser downloads (the entry script and what index.html preloads),
// gzip-compressed; fails above the 300 KB budget. Lazily loaded chunks are not counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const f of files) {
  const gz = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  total += gz;
  console.log(`${f}: ${(gz / 1024).toFixed(1)} KB gzip`);
}
const budget = 300 * 1024;
console.log(`initial JavaScript: ${(total / 1024).toFixed(1)} KB gzip (budget ${budget / 1024} KB)`);
if (files.length === 0 || total > budget) process.exit(1);

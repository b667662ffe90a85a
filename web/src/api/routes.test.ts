import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { apiPrefixes } from './routes';

describe('the dev server proxy', () => {
  it('forwards every path the API documents', () => {
    const doc = JSON.parse(readFileSync(resolve(process.cwd(), 'openapi.json'), 'utf8')) as { paths: Record<string, unknown> };
    const missing = Object.keys(doc.paths).filter((p) => !apiPrefixes.some((prefix) => p === prefix || p.startsWith(prefix)));
    expect(missing).toEqual([]);
  });
});

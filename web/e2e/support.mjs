// What the end-to-end scripts share: free ports, checks that print what they proved, and
// waiting for a started process to answer.
import { createServer } from 'node:net';

export const freePort = () =>
  new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

export function check(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
  console.log(`  ok: ${what}`);
}

/** Waits until `url` answers 2xx; fails when `child` (the process serving it) has exited. */
export async function waitFor(url, what, child) {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

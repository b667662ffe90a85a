import { vi } from 'vitest';
import '@testing-library/jest-dom/vitest';

// Pages disable what the signed-in role cannot do; their tests act as someone who may do
// everything (the role checks themselves are tested with the API in the e2e journey).
vi.mock('./api/auth', async (original) => ({
  ...(await original<typeof import('./api/auth')>()),
  useCan: () => ({ allowed: true, why: undefined }),
}));

import { describe, expect, it } from 'vitest';
import { deployRequest, releaseRollbackRequest, rollbackRequest } from './api';

const form = (service: string, options: Partial<{ alias: string; flows: string; acceptUnmapped: boolean; withDependencies: boolean }> = {}) => ({
  source: { service, key: 'k' },
  target: { account: '222222222222', region: 'us-east-1', resource: '' },
  options: { alias: '', flows: '', acceptUnmapped: false, ...options },
});

describe('change requests', () => {
  it('a Lambda or Lex deploy carries the alias, never flows', () => {
    const body = deployRequest(form('lambda', { alias: ' live ', flows: 'Main' }));
    expect(body).toEqual({
      source: { snapshot_key: 'k' },
      target: { account_id: '222222222222', region: 'us-east-1' },
      options: { accept_unmapped: false, alias: 'live' },
    });
  });

  it('a Connect deploy carries the chosen flows and the target instance, never an alias', () => {
    const f = form('connect', { alias: 'live', flows: 'Main Menu, ,Support Menu', acceptUnmapped: true });
    f.target.resource = 'acme-prod';
    expect(deployRequest(f)).toEqual({
      source: { snapshot_key: 'k' },
      target: { account_id: '222222222222', region: 'us-east-1', resource_name: 'acme-prod' },
      options: { accept_unmapped: true, flows: ['Main Menu', 'Support Menu'] },
    });
  });

  it('every rollback says whether to remove what was created since the snapshot', () => {
    const f = { account: '111111111111', region: 'us-east-1', service: 'connect', resource: 'acme-dev', key: 'k', removeCreated: true };
    expect(rollbackRequest(f)).toEqual({ account_id: '111111111111', region: 'us-east-1', service: 'connect', resource_name: 'acme-dev', snapshot_key: 'k', remove_created: true });
    expect(rollbackRequest({ ...f, service: 'lambda', resource: 'fn' })).toHaveProperty('remove_created', true);
    expect(rollbackRequest({ ...f, service: 'lex', resource: 'Bot', removeCreated: false })).toHaveProperty('remove_created', false);
  });

  it('promoting with dependencies is a Connect choice only, and a release rolls back by its id', () => {
    expect(deployRequest(form('connect', { withDependencies: true })).options).toEqual({ accept_unmapped: false, with_dependencies: true });
    expect(deployRequest(form('lambda', { withDependencies: true })).options).not.toHaveProperty('with_dependencies');
    expect(releaseRollbackRequest('rel-1', true)).toEqual({ release_id: 'rel-1', remove_created: true });
  });
});

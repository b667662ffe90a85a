import { describe, expect, it } from 'vitest';
import { validateAccount } from './validation';

const good = { account_id: '123456789012', name: 'test', role_arn: 'arn:aws:iam::123456789012:role/SnapDeployAccess', external_id: '', regions: 'us-east-1, eu-west-2', protected: false };

describe('validateAccount mirrors the API', () => {
  it('accepts a valid account', () => {
    expect(validateAccount(good)).toEqual({});
  });
  it('names every bad field', () => {
    const e = validateAccount({ ...good, account_id: '1234', name: '', role_arn: 'arn:aws:iam::1:user/x', regions: 'us-east1' });
    expect(e.account_id).toMatch('12 digits');
    expect(e.name).toMatch('1-64');
    expect(e.role_arn).toMatch('arn:aws:iam::123456789012:role/Name');
    expect(e.regions).toMatch('unknown AWS region "us-east1"');
  });
  it('refuses a role of another account', () => {
    expect(validateAccount({ ...good, role_arn: 'arn:aws:iam::999999999999:role/R' }).role_arn).toMatch('must belong to account 123456789012');
  });
  it('checks the ExternalId only when given', () => {
    expect(validateAccount({ ...good, external_id: 'x' }).external_id).toBeDefined();
    expect(validateAccount({ ...good, external_id: 'shared-secret' }).external_id).toBeUndefined();
  });
});

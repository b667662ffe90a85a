import type { NewAccount } from '../../api/types';
// Mirrors the API's checks (snapdeploy-core ids.rs, account.rs) so mistakes show while typing;
// the API still decides, and its own message is shown when it refuses.
export const KNOWN_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1',
  'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
  'ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-1',
  'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-gov-east-1',
  'us-gov-west-1', 'us-west-1', 'us-west-2',
];

export interface AccountForm {
  account_id: string;
  name: string;
  role_arn: string;
  external_id: string;
  regions: string;
  protected: boolean;
}

export type FormErrors = Partial<Record<keyof AccountForm, string>>;

export function validateAccount(f: AccountForm): FormErrors {
  const errors: FormErrors = {};
  const id = f.account_id.trim();
  if (!/^\d{12}$/.test(id)) errors.account_id = 'must be exactly 12 digits';
  const name = f.name.trim();
  if (name.length === 0 || name.length > 64) errors.name = 'must be 1-64 characters';
  const arn = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]+$/.exec(f.role_arn.trim());
  if (!arn) errors.role_arn = 'must look like arn:aws:iam::123456789012:role/Name';
  else if (!errors.account_id && arn[2] !== id) errors.role_arn = `the role must belong to account ${id}, not ${arn[2]}`;
  const ext = f.external_id.trim();
  if (ext && !/^[\w+=,.@:/-]{2,1224}$/.test(ext)) errors.external_id = '2-1224 characters of letters, digits and +=,.@:/-_';
  const regions = splitRegions(f.regions);
  if (regions.length === 0) errors.regions = 'list at least one region';
  else {
    const unknown = regions.filter((r) => !KNOWN_REGIONS.includes(r));
    if (unknown.length) errors.regions = `unknown AWS region ${unknown.map((r) => JSON.stringify(r)).join(', ')}`;
  }
  return errors;
}

export function splitRegions(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter(Boolean);
}

/** The API request for a valid form. */
export const toNewAccount = (f: AccountForm): NewAccount => ({
  account_id: f.account_id.trim(),
  name: f.name.trim(),
  role_arn: f.role_arn.trim(),
  external_id: f.external_id.trim() || null,
  regions: splitRegions(f.regions),
  protected: f.protected,
});

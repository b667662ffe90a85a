import { useExtract } from '../api/queries';
import { inputCls } from './common';

export const serviceOptions = [
  ['lambda', 'Lambda function'],
  ['lex', 'Lex V2 bot'],
  ['connect', 'Connect instance'],
] as const;

/** Service and resource pickers: resources come from an extract of the account and region. */
export function ResourcePicker({
  account,
  region,
  service,
  resource,
  onChange,
  idPrefix,
}: {
  account: string;
  region: string;
  service: string;
  resource: string;
  onChange: (service: string, resource: string) => void;
  idPrefix: string;
}) {
  const list = useExtract(service, account, region);
  // Every extracted item names itself as `/snapshot` takes it, whatever the service.
  const names = (list.data?.resources ?? []).map((r) => String(r.resource_name ?? ''));
  return (
    <div className="flex flex-wrap items-end gap-3">
      <label className="flex flex-col text-sm" htmlFor={`${idPrefix}-service`}>
        Service
        <select id={`${idPrefix}-service`} className={inputCls} value={service} onChange={(e) => onChange(e.target.value, '')}>
          {serviceOptions.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-sm" htmlFor={`${idPrefix}-resource`}>
        Resource
        <select id={`${idPrefix}-resource`} className={inputCls} value={resource} onChange={(e) => onChange(service, e.target.value)}>
          <option value="">{list.isFetching ? 'loading…' : 'choose…'}</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

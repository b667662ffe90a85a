import { useSearchParams } from 'react-router';
import { AccountRegion } from '../../../components/common';
import { ConnectExplorer } from './ConnectExplorer';
import { LambdaExplorer } from './LambdaExplorer';
import { LexExplorer } from './LexExplorer';

const services = [
  ['lambda', 'Lambda'],
  ['lex', 'Lex V2'],
  ['connect', 'Connect'],
] as const;

export default function ExplorerPage() {
  const [params, setParams] = useSearchParams();
  const service = params.get('service') ?? 'lambda';
  const account = params.get('account') ?? '';
  const region = params.get('region') ?? '';
  const set = (patch: Record<string, string>) => setParams({ service, account, region, ...patch });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">Explore</h1>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <AccountRegion account={account} region={region} onChange={(a, r) => set({ account: a, region: r })} />
        <div role="tablist" aria-label="Service" className="flex gap-1">
          {services.map(([id, label]) => (
            <button
              key={id}
              role="tab"
              aria-selected={service === id}
              className={`rounded px-3 py-1 text-sm ${service === id ? 'bg-blue-600 text-white' : 'border border-slate-300 bg-white'}`}
              onClick={() => set({ service: id })}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      {!account || !region ? (
        <p>Choose an account and a region.</p>
      ) : service === 'lambda' ? (
        <LambdaExplorer account={account} region={region} />
      ) : service === 'lex' ? (
        <LexExplorer account={account} region={region} />
      ) : (
        <ConnectExplorer account={account} region={region} />
      )}
    </>
  );
}

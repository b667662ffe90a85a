import { useState } from 'react';
import type { Json } from '../../../api/types';
import { ErrorBox, Loading, Section, secondaryCls } from '../../../components/common';
import { useDescribe, useExtract } from '../api';
import { type Props, str } from './format';

export function LexExplorer({ account, region }: Props) {
  const list = useExtract('lex', account, region);
  const [bot, setBot] = useState('');
  return (
    <Section title="Lex V2 bots">
      {list.isPending && <Loading what="bots" />}
      <ErrorBox error={list.error} />
      <ul className="mb-3 flex flex-wrap gap-2">
        {(list.data?.resources ?? []).map((b) => (
          <li key={str(b.BotName)}>
            <button className={secondaryCls} aria-pressed={bot === b.BotName} onClick={() => setBot(str(b.BotName))}>
              {str(b.BotName)} · {((b.Locales as Json[]) ?? []).length} locales · aliases{' '}
              {((b.Aliases as Json[]) ?? []).map((a) => `${str(a.Name)}→v${str(a.Version)}`).join(', ')}
            </button>
          </li>
        ))}
      </ul>
      {list.data && list.data.resources.length === 0 && <p>No bot in this account and region.</p>}
      {bot && <LexBot account={account} region={region} name={bot} />}
    </Section>
  );
}

function LexBot({ account, region, name }: Props & { name: string }) {
  const d = useDescribe('lex', account, region, name);
  const def = (d.data?.config.Definition as Json | undefined) ?? {};
  const locales = (def.locales as Record<string, Json> | undefined) ?? {};
  const [locale, setLocale] = useState('');
  const [intent, setIntent] = useState('');
  const loc = locales[locale] ?? {};
  const intents = (loc.intents as Record<string, Json> | undefined) ?? {};
  const slotTypes = (loc.slotTypes as Record<string, Json> | undefined) ?? {};
  const slots = ((intents[intent]?.slots as Record<string, Json> | undefined) ?? {});
  return (
    <div className="border-t pt-3">
      {d.isPending && <Loading what={name} />}
      <ErrorBox error={d.error} />
      <p className="mb-2 text-sm">
        Aliases:{' '}
        {((d.data?.config.Aliases as Json[]) ?? []).map((a) => `${str(a.Name)} → version ${str(a.Version)}`).join('; ') || '—'}
      </p>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <nav aria-label="Locales">
          <h3 className="font-semibold">Locales</h3>
          {Object.keys(locales).map((l) => (
            <button key={l} className={`block text-left text-sm ${l === locale ? 'font-bold text-blue-700' : ''}`} onClick={() => { setLocale(l); setIntent(''); }}>
              {l}
            </button>
          ))}
        </nav>
        <nav aria-label="Intents">
          <h3 className="font-semibold">Intents</h3>
          {Object.keys(intents).map((i) => (
            <button key={i} className={`block text-left text-sm ${i === intent ? 'font-bold text-blue-700' : ''}`} onClick={() => setIntent(i)}>
              {i}
            </button>
          ))}
          {locale && (
            <>
              <h3 className="mt-2 font-semibold">Slot types</h3>
              <ul className="text-sm">{Object.keys(slotTypes).map((t) => <li key={t}>{t}</li>)}</ul>
            </>
          )}
        </nav>
        <div>
          <h3 className="font-semibold">Slots</h3>
          <ul className="text-sm">
            {Object.entries(slots).map(([s, v]) => (
              <li key={s}>
                {s}: <span className="font-mono text-xs">{str(v.slotTypeName)}</span>
              </li>
            ))}
          </ul>
          {intent && (
            <>
              <h3 className="mt-2 font-semibold">Sample utterances</h3>
              <ul className="text-sm">
                {((intents[intent].sampleUtterances as Json[]) ?? []).map((u, i) => <li key={i}>“{str(u.utterance)}”</li>)}
              </ul>
            </>
          )}
        </div>
      </div>
    </div>
  );
}


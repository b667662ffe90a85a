import { useState } from 'react';
import { buttonCls, inputCls } from './common';

/** The confirm step of a change; on a protected account the resource name must be typed. */
export function Confirm({
  protectedTarget,
  resource,
  label,
  onConfirm,
  disabled,
  why,
}: {
  protectedTarget: boolean;
  resource: string;
  label: string;
  onConfirm: () => void;
  disabled?: boolean;
  /** Why the action is not allowed, shown on hover. */
  why?: string;
}) {
  const [typed, setTyped] = useState('');
  const ok = !protectedTarget || typed === resource;
  return (
    <div className="mt-3 flex flex-wrap items-end gap-3">
      {protectedTarget && (
        <label className="flex flex-col text-sm" htmlFor="confirm-name">
          <span>
            The target account is <strong>protected</strong>: type <span className="font-mono">{resource}</span> to confirm
          </span>
          <input id="confirm-name" className={inputCls} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </label>
      )}
      <button className={buttonCls} disabled={!ok || disabled} title={why} onClick={onConfirm}>
        {label}
      </button>
    </div>
  );
}

import { Confirm } from '../../../components/Confirm';
import { ErrorBox, ProgressLog, Section } from '../../../components/common';
import type { Change } from '../api';
import { PlanView, ReportView } from './PlanView';
import { Link } from 'react-router';
import { useCan } from '../../../api/auth';
import { ReleaseView } from './ReleaseView';

/** The plan of a change, its confirmation, live progress and report (deploy and rollback). */
export function ChangeSection({
  title,
  change,
  protectedTarget,
  resource,
  label,
  runningLabel,
  onConfirm,
}: {
  title: string;
  change: Change;
  protectedTarget: boolean;
  resource: string;
  label: string;
  runningLabel: string;
  onConfirm: () => void;
}) {
  const can = useCan('operator');
  if (!change.plan && !change.error && !change.report && !change.release) return null;
  const planned = Boolean(change.release) && !change.applied && !change.requested;
  return (
    <Section title={title}>
      {change.plan && <PlanView plan={change.plan} />}
      {change.release && <ReleaseView outcome={change.release} />}
      {((change.plan && !change.report && !change.requested) || planned) && (
        <Confirm
          protectedTarget={protectedTarget}
          resource={resource}
          label={change.running ? runningLabel : label}
          disabled={change.running || !can.allowed}
          why={can.why}
          onConfirm={onConfirm}
        />
      )}
      {change.requested && (
        <div role="status" className="my-3 rounded border border-blue-300 bg-blue-50 p-3 text-blue-900" data-testid="change-requested">
          Change request <strong>{change.requested.id}</strong> filed: {change.requested.summary}. It waits for a second person&apos;s approval
          (until {new Date(change.requested.expires_at).toLocaleString()}) on the <Link className="underline" to="/app/approvals">Approvals</Link> page.
        </div>
      )}
      {(change.running || change.events.length > 0) && <ProgressLog events={change.events} running={change.running} />}
      <ErrorBox error={change.error} />
      {change.report && <ReportView report={change.report} />}
    </Section>
  );
}

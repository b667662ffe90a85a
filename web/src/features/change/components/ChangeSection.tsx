import { Confirm } from '../../../components/Confirm';
import { ErrorBox, ProgressLog, Section } from '../../../components/common';
import type { Change } from '../api';
import { PlanView, ReportView } from './PlanView';
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
  if (!change.plan && !change.error && !change.report && !change.release) return null;
  const planned = Boolean(change.release) && !change.applied;
  return (
    <Section title={title}>
      {change.plan && <PlanView plan={change.plan} />}
      {change.release && <ReleaseView outcome={change.release} />}
      {((change.plan && !change.report) || planned) && (
        <Confirm protectedTarget={protectedTarget} resource={resource} label={change.running ? runningLabel : label} disabled={change.running} onConfirm={onConfirm} />
      )}
      {(change.running || change.events.length > 0) && <ProgressLog events={change.events} running={change.running} />}
      <ErrorBox error={change.error} />
      {change.report && <ReportView report={change.report} />}
    </Section>
  );
}

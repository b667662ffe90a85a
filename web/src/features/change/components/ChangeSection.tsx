import type { useChange } from '../pages/useChange';
import { Confirm } from './Confirm';
import { PlanView, ReportView } from './PlanView';
import { ErrorBox, ProgressLog, Section } from './common';

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
  change: ReturnType<typeof useChange>;
  protectedTarget: boolean;
  resource: string;
  label: string;
  runningLabel: string;
  onConfirm: () => void;
}) {
  if (!change.plan && !change.error && !change.report) return null;
  return (
    <Section title={title}>
      {change.plan && <PlanView plan={change.plan} />}
      {change.plan && !change.report && (
        <Confirm protectedTarget={protectedTarget} resource={resource} label={change.running ? runningLabel : label} disabled={change.running} onConfirm={onConfirm} />
      )}
      {(change.running || change.events.length > 0) && <ProgressLog events={change.events} running={change.running} />}
      <ErrorBox error={change.error} />
      {change.report && <ReportView report={change.report} />}
    </Section>
  );
}

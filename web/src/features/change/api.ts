import { useState } from 'react';
import { ApiError, post, runJob } from '../api/client';
import type { Json, Plan, ProgressEvent, Report } from '../api/types';

/** Plan (dry run) then apply as a background job with live progress; shared by deploy and rollback. */
export function useChange(url: string) {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [planning, setPlanning] = useState(false);
  const [running, setRunning] = useState(false);
  const [events, setEvents] = useState<ProgressEvent[]>([]);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);

  const reset = () => {
    setPlan(null);
    setReport(null);
    setError(null);
    setEvents([]);
  };

  const dryRun = async (body: Json) => {
    reset();
    setPlanning(true);
    try {
      setPlan(await post<Plan>(url, { ...body, dry_run: true }));
    } catch (e) {
      setError(e);
    } finally {
      setPlanning(false);
    }
  };

  const apply = async (body: Json) => {
    setRunning(true);
    setError(null);
    setReport(null);
    setEvents([]);
    try {
      setReport(await runJob<Report>(url, { ...body, dry_run: false }, (e) => setEvents((all) => [...all, e])));
    } catch (e) {
      // A failed change still has a report: what failed and what was restored.
      const r = (e as ApiError).details?.report as Report | undefined;
      if (r) setReport(r);
      setError(e);
    } finally {
      setRunning(false);
    }
  };

  return { plan, planning, running, events, report, error, dryRun, apply, reset };
}

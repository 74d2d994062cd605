// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Pure helpers of the jobs model: the state a job is shown in, how a new
 * snapshot of a job merges into what is known of it, and the order of jobs.
 *
 * No I/O and no DOM here.
 */

import { IJob } from '../api';

import type { JobsModel } from './model';

/**
 * The state a job is shown in: the server's, or `unknown` once the server
 * stopped answering about it.
 */
export type JobDisplayState = IJob.State | 'unknown';

/**
 * Whether a shown state can still change without the user doing anything.
 */
export function isActiveState(state: JobDisplayState): boolean {
  return state === 'queued' || state === 'running';
}

/**
 * A number between 0 and 1 (0 for anything else).
 */
export function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/**
 * The entry of a job after a new snapshot of it arrived, or `null` when the
 * snapshot is older than what is known or changes nothing.
 *
 * @param old The entry known so far, if any.
 * @param job The job as the server sent it.
 * @param logFrom Where the reply's log starts: `0` for the whole log, the
 * length received so far to append, `null` when the reply carries no log.
 */
export function mergeJob(
  old: JobsModel.IEntry | undefined,
  job: IJob,
  logFrom: number | null
): JobsModel.IEntry | null {
  if (old && job.revision < old.job.revision) {
    return null;
  }
  let log = old?.job.log ?? '';
  let received = old?.logReceived ?? 0;
  if (logFrom === 0) {
    log = job.log;
    received = job.log_length;
  } else if (logFrom !== null && logFrom === received) {
    log += job.log;
    received = job.log_length;
  }
  if (
    old &&
    job.revision === old.job.revision &&
    received === old.logReceived &&
    old.state !== 'unknown'
  ) {
    return null;
  }
  const progress =
    job.state === 'done' && !job.preview
      ? 1
      : Math.max(old?.progress ?? 0, clamp(job.progress));
  return {
    id: job.id,
    job: { ...job, log },
    state: job.state,
    progress,
    connectionError: null,
    logReceived: received,
    logComplete: received >= job.log_length
  };
}

/**
 * Entries newest first, given in arrival order.
 */
export function sortNewestFirst(
  entries: ReadonlyArray<JobsModel.IEntry>
): JobsModel.IEntry[] {
  // ISO 8601 times in the same zone sort as strings; ties keep arrival order.
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) =>
      a.entry.job.created === b.entry.job.created
        ? b.index - a.index
        : a.entry.job.created < b.entry.job.created
          ? 1
          : -1
    )
    .map(item => item.entry);
}

/**
 * Whether a queued job waits for another one: one of `others` (preview or
 * not) that runs, or that was queued before it and is still queued.
 */
export function isWaitingBehind(
  entry: JobsModel.IEntry,
  others: Iterable<JobsModel.IEntry>
): boolean {
  if (entry.state !== 'queued') {
    return false;
  }
  for (const other of others) {
    if (
      other.id !== entry.id &&
      (other.state === 'running' ||
        (other.state === 'queued' && other.job.created < entry.job.created))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Whether a job is hidden by `clearFinished()`, given `clearedBefore`.
 */
export function isCleared(
  entry: JobsModel.IEntry,
  clearedBefore: string
): boolean {
  return (
    !isActiveState(entry.state) &&
    clearedBefore !== '' &&
    entry.job.created <= clearedBefore
  );
}

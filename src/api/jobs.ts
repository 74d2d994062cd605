// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The install queue: `POST jobs`, `GET jobs`, `GET jobs/<id>` and
 * `DELETE jobs/<id>`.
 */

import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

/**
 * What a job asks apk to do with the packages it names.
 */
export type JobAction = 'install' | 'upgrade' | 'remove';

/**
 * Every kind of job the queue runs: a package action, or `undo`, which takes
 * apk's side back to the baseline of `GET environment` and is submitted
 * without packages.
 */
export type JobKind = JobAction | 'undo';

/**
 * What an undo job does: removes what was added since the baseline, then
 * restores what was removed since.
 */
export interface IUndoLists {
  /**
   * The packages added since the baseline, removed first.
   */
  remove: string[];
  /**
   * The packages removed since the baseline (their world lines), added back.
   */
  restore: string[];
}

/**
 * One step of a job's plan, as apk printed it.
 */
export interface IPlanStep {
  /**
   * `install`, `upgrade`, `downgrade`, `reinstall`, `replace` or `remove`.
   */
  action: string;
  /**
   * The package name.
   */
  name: string;
  /**
   * The version after the step (before it, for a removal).
   */
  version: string;
  /**
   * The version before an upgrade, downgrade or replacement, else `null`.
   */
  old_version: string | null;
}

/**
 * What apk will do (from a simulation) or did.
 */
export interface IJobPlan {
  /**
   * The steps, in apk's order.
   */
  steps: IPlanStep[];
  /**
   * Bytes to download for the packages the plan adds or upgrades.
   */
  download_size: number;
  /**
   * Bytes on disk of the packages the plan adds or upgrades.
   */
  installed_size: number;
  /**
   * The packages a removal asked for that apk keeps, and what needs them;
   * absent from servers that do not tell.
   */
  kept?: IKeptPackage[];
}

/**
 * A package a removal leaves installed because others need it.
 */
export interface IKeptPackage {
  /**
   * The package kept.
   */
  package: string;
  /**
   * The installed packages that need it.
   */
  required_by: string[];
}

/**
 * A job of the server's install queue (`GET jobs/<id>`).
 */
export interface IJob {
  /**
   * The job id (16 hexadecimal digits).
   */
  id: string;
  /**
   * What the job asks apk to do.
   */
  action: JobKind;
  /**
   * The package names (or `name=version`) as requested.
   */
  packages: string[];
  /**
   * Whether the job only simulates (`apk add --simulate`) to fill `plan`.
   */
  preview: boolean;
  /**
   * Where the job is: `queued` and `running` change, the others are final.
   */
  state: IJob.State;
  /**
   * What apk will do or did, once known.
   */
  plan: IJobPlan | null;
  /**
   * The fraction done, from 0 to 1.
   */
  progress: number;
  /**
   * apk's output from the requested `log_offset` on.
   */
  log: string;
  /**
   * The length of the whole log, in the server's characters.
   */
  log_length: number;
  /**
   * apk's exit status, once it ended.
   */
  exit_code: number | null;
  /**
   * A sentence for people saying what went wrong, or `null`.
   */
  error: string | null;
  /**
   * Each problem apk reported, explained.
   */
  problems: IJob.IProblem[];
  /**
   * What changed: `name-version` for installed or upgraded packages,
   * `name (removed)` for removed ones.
   */
  installed: string[];
  /**
   * Sentences about what the job did not do as asked (a package kept because
   * another needs it, …); absent from servers that do not tell.
   */
  warnings?: string[];
  /**
   * An undo job's lists (`null` for the other actions); absent from servers
   * that do not tell.
   */
  undo?: IUndoLists | null;
  /**
   * Who submitted the job.
   */
  user: string;
  /**
   * When the job was queued (ISO 8601).
   */
  created: string;
  /**
   * When apk started (ISO 8601), or `null`.
   */
  started: string | null;
  /**
   * When the job ended (ISO 8601), or `null`.
   */
  finished: string | null;
  /**
   * Bumped on every change; long-polls wait for a newer one.
   */
  revision: number;
}

/**
 * The namespace for `IJob` statics.
 */
export namespace IJob {
  /**
   * The state of a job.
   */
  export type State =
    'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'timed-out';

  /**
   * One problem apk reported.
   */
  export interface IProblem {
    /**
     * A stable identifier of the kind of problem (`locked`, `no-such-package` …).
     */
    kind: string;
    /**
     * The explanation for people.
     */
    message: string;
  }
}

/**
 * The body of `POST jobs`.
 */
export interface IJobRequest {
  /**
   * What to do.
   */
  action: JobKind;
  /**
   * The packages to do it to.
   */
  packages: string[];
  /**
   * Only simulate, to learn the plan.
   */
  preview?: boolean;
}

/**
 * The query of a `GET jobs/<id>` request.
 */
export interface IJobQuery {
  /**
   * Return the log from this character on (the server's count).
   */
  logOffset?: number;
  /**
   * With `wait`: hold the answer until the job's revision passes this one.
   */
  since?: number;
  /**
   * How long the server may hold the answer, in seconds (at most 30).
   */
  wait?: number;
}

/**
 * Build the endpoint of a `GET jobs/<id>` request.
 */
export function jobEndpoint(id: string, query: IJobQuery = {}): string {
  const params = new URLSearchParams();
  if (query.logOffset !== undefined) {
    params.set('log_offset', String(query.logOffset));
  }
  if (query.since !== undefined && query.wait !== undefined) {
    params.set('since', String(query.since));
    params.set('wait', String(query.wait));
  }
  const search = params.toString();
  const path = `jobs/${encodeURIComponent(id)}`;
  return search ? `${path}?${search}` : path;
}

/**
 * Queue a job (`POST jobs`).
 *
 * @returns The queued job (with its log from the start).
 *
 * @throws `ResponseError` 400 for invalid names, 403 when the administrator
 * forbids the action, 409 when there is nothing to undo, 429 when the queue is
 * full.
 */
export function submitJob(
  request: IJobRequest,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob> {
  return requestAPI<IJob>(
    'jobs',
    {
      ...init,
      method: 'POST',
      body: JSON.stringify({ preview: false, ...request })
    },
    settings
  );
}

/**
 * List the recent jobs, newest first, without their logs (`GET jobs`).
 */
export function listJobs(
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob[]> {
  return requestAPI<IJob[]>('jobs', init, settings);
}

/**
 * Fetch one job (`GET jobs/<id>`), optionally long-polling for a change.
 */
export function getJob(
  id: string,
  query: IJobQuery = {},
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob> {
  return requestAPI<IJob>(jobEndpoint(id, query), init, settings);
}

/**
 * Cancel a queued or running job (`DELETE jobs/<id>`).
 *
 * @returns The job as it is after the request (a running job ends shortly after).
 */
export function cancelJob(
  id: string,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IJob> {
  return requestAPI<IJob>(
    `jobs/${encodeURIComponent(id)}`,
    { ...init, method: 'DELETE' },
    settings
  );
}

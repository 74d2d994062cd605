// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Following jobs by long-polling the server: one poll loop per unfinished job,
 * each poll given up after the server's hold plus a grace period, and failed
 * polls retried a few times with a growing pause.
 *
 * No DOM here; the jobs model owns the entries and takes in what this finds.
 */

import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';

import { describeRequestError, IJob, IJobQuery } from '../api';

import type { JobsModel } from './model';
import { isActiveState } from './state';

/**
 * How long the server may hold one long-poll, in seconds (it allows 30).
 */
export const POLL_WAIT = 25;

/**
 * How much longer than the server's hold the browser waits for an answer, in
 * milliseconds, before it counts the request as lost (a proxy or a suspended
 * laptop can swallow a request without ever failing it).
 */
export const POLL_GRACE = 15000;

/**
 * How often the list of jobs is fetched again, in milliseconds, to find jobs
 * started elsewhere (another tab, a `%pip` cell of another notebook, the REST
 * API). Jobs already known are followed by their own long-poll.
 */
export const WATCH_INTERVAL = 5000;

/**
 * The pauses between retries after a failed poll, in milliseconds; once they
 * are used up the job is shown as unknown and polling stops.
 */
export const RETRY_DELAYS: ReadonlyArray<number> = [1000, 2000, 4000, 8000];

/**
 * The poll that fetches the list of jobs again every `interval` milliseconds
 * (backing off while nothing changes), or `null` for an interval of 0; it
 * starts once `start()` is called.
 */
export function createWatch(
  fetchList: () => Promise<void>,
  interval: number
): Poll | null {
  return interval > 0
    ? new Poll({
        factory: fetchList,
        frequency: { interval, backoff: true, max: 12 * interval },
        // A hidden browser tab asks nothing; it catches up when shown again.
        standby: 'when-hidden',
        auto: false,
        name: 'jupyterlab-apk:jobs'
      })
    : null;
}

/**
 * The poll loops of the jobs being followed.
 */
export class JobPoller {
  /**
   * Construct a new poller.
   */
  constructor(options: JobPoller.IOptions) {
    this._host = options.host;
    this._trans = options.trans;
    this._pollWait = options.pollWait;
    this._pollGrace = options.pollGrace;
    this._retryDelays = options.retryDelays;
  }

  /**
   * Whether a poll loop runs for a job.
   */
  isFollowing(id: string): boolean {
    return this._polls.has(id);
  }

  /**
   * Start the poll loop of a job unless one runs already.
   */
  follow(id: string): void {
    if (this._polls.has(id) || this._host.isDisposed()) {
      return;
    }
    const controller = new AbortController();
    this._polls.set(id, controller);
    void this._poll(id, controller.signal)
      .catch(reason => {
        // A bug here must not leave the job spinning: show it as unknown.
        console.error(`Following the apk job ${id} failed`, reason);
        this._host.setUnknown(id, describeRequestError(reason, this._trans));
      })
      .then(() => {
        if (this._polls.get(id) === controller) {
          this._polls.delete(id);
        }
      });
  }

  /**
   * Stop the poll loop of a job, if any, at once.
   */
  stop(id: string): void {
    this._polls.get(id)?.abort();
    this._polls.delete(id);
  }

  /**
   * Stop every poll loop.
   */
  stopAll(): void {
    for (const controller of this._polls.values()) {
      controller.abort();
    }
    this._polls.clear();
  }

  /**
   * Long-poll a job until it is final, the server is gone or polling is stopped.
   */
  private async _poll(id: string, stop: AbortSignal): Promise<void> {
    const host = this._host;
    let failures = 0;
    while (!stop.aborted && !host.isDisposed()) {
      const entry = host.get(id);
      if (!entry || !isActiveState(entry.state)) {
        return;
      }
      const logFrom = entry.logReceived;
      let job: IJob;
      try {
        job = await this._longPoll(
          id,
          {
            logOffset: logFrom,
            since: entry.job.revision,
            wait: this._pollWait
          },
          stop
        );
      } catch (reason) {
        if (stop.aborted || host.isDisposed()) {
          return;
        }
        if (
          reason instanceof ServerConnection.ResponseError &&
          reason.response.status === 404
        ) {
          host.setUnknown(
            id,
            this._trans.__(
              'The server no longer knows this job (was its history deleted?).'
            )
          );
          return;
        }
        if (failures >= this._retryDelays.length) {
          host.setUnknown(id, describeRequestError(reason, this._trans));
          return;
        }
        await sleep(this._retryDelays[failures], stop);
        failures++;
        continue;
      }
      failures = 0;
      if (stop.aborted || host.isDisposed()) {
        return;
      }
      host.merge(job, logFrom);
    }
  }

  /**
   * One long-poll, given up after the server's hold plus a grace period.
   */
  private async _longPoll(
    id: string,
    query: IJobQuery,
    stop: AbortSignal
  ): Promise<IJob> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    stop.addEventListener('abort', abort);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      (query.wait ?? 0) * 1000 + this._pollGrace
    );
    try {
      return await this._host.fetchJob(id, query, controller.signal);
    } catch (reason) {
      if (timedOut) {
        throw new Error(
          this._trans.__(
            'The server did not answer within %1 seconds.',
            Math.round(((query.wait ?? 0) * 1000 + this._pollGrace) / 1000)
          )
        );
      }
      throw reason;
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', abort);
    }
  }

  private _host: JobPoller.IHost;
  private _pollGrace: number;
  private _polls = new Map<string, AbortController>();
  private _pollWait: number;
  private _retryDelays: ReadonlyArray<number>;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `JobPoller` statics.
 */
export namespace JobPoller {
  /**
   * What the poller needs from the model whose jobs it follows.
   */
  export interface IHost {
    /**
     * Whether the model was disposed: nothing polls anymore then.
     */
    isDisposed(): boolean;
    /**
     * A job by id, if known.
     */
    get(id: string): JobsModel.IEntry | undefined;
    /**
     * Fetch one job, long-polling.
     */
    fetchJob(id: string, query: IJobQuery, signal: AbortSignal): Promise<IJob>;
    /**
     * Take a job's new snapshot in, its log starting at `logFrom`.
     */
    merge(job: IJob, logFrom: number): void;
    /**
     * Show a job as `unknown`, for a reason.
     */
    setUnknown(id: string, reason: string): void;
  }

  /**
   * The options to create a poller.
   */
  export interface IOptions {
    /**
     * The model whose jobs are followed.
     */
    host: IHost;
    /**
     * The translation bundle, for error messages.
     */
    trans: TranslationBundle;
    /**
     * How long the server may hold a long-poll, in seconds.
     */
    pollWait: number;
    /**
     * How long past `pollWait` a poll may take before it counts as lost, in
     * milliseconds.
     */
    pollGrace: number;
    /**
     * The pauses between retries of a failed poll, in milliseconds.
     */
    retryDelays: ReadonlyArray<number>;
  }
}

/**
 * Wait for a number of milliseconds, or until `signal` aborts.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jobs of the server's install queue: submitting, previewing and cancelling
 * them, and following each unfinished one by long-polling the server.
 *
 * No DOM here: the jobs view, the status bar item, the notifications and the
 * catalog rows all render this model and listen to its `jobChanged` signal.
 */

import { ServerConnection } from '@jupyterlab/services';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { VDomModel } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';

import {
  cancelJob,
  describeRequestError,
  getJob,
  IJob,
  IJobQuery,
  IJobRequest,
  JobAction,
  listJobs,
  submitJob
} from '../api';

/**
 * How long the server may hold one long-poll, in seconds (it allows 30).
 */
const POLL_WAIT = 25;

/**
 * How much longer than the server's hold the browser waits for an answer, in
 * milliseconds, before it counts the request as lost (a proxy or a suspended
 * laptop can swallow a request without ever failing it).
 */
const POLL_GRACE = 15000;

/**
 * The pauses between retries after a failed poll, in milliseconds; once they
 * are used up the job is shown as unknown and polling stops.
 */
const RETRY_DELAYS: ReadonlyArray<number> = [1000, 2000, 4000, 8000];

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
 * The model of the install queue.
 *
 * #### Notes
 * Every job submitted here, or found unfinished by `restore()`, is followed by
 * one long-poll at a time (`since=<revision>&wait=25`): the server answers as
 * soon as the job changes, so progress and log arrive as they happen without
 * any fixed-interval polling. A poll that fails is retried a few times with a
 * growing pause; after that the job is shown as `unknown` and nothing polls or
 * spins anymore until `reconnect()`.
 */
export class JobsModel extends VDomModel {
  /**
   * Construct a new jobs model.
   */
  constructor(options: JobsModel.IOptions = {}) {
    super();
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_apk');
    this._pollWait = options.pollWait ?? POLL_WAIT;
    this._pollGrace = options.pollGrace ?? POLL_GRACE;
    this._retryDelays = options.retryDelays ?? RETRY_DELAYS;
  }

  /**
   * The server settings used for all requests.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * A signal emitted when a job is added, changes, or ends.
   *
   * #### Notes
   * `ended` is emitted once each time a followed job reaches a final state or
   * becomes `unknown`. Jobs that `restore()` finds already finished are only
   * `added`.
   */
  get jobChanged(): ISignal<this, JobsModel.IChange> {
    return this._jobChanged;
  }

  /**
   * The jobs to show, newest first; previews are left out.
   */
  get jobs(): ReadonlyArray<JobsModel.IEntry> {
    return this._sorted().filter(entry => !entry.job.preview);
  }

  /**
   * The queued and running jobs (previews left out), oldest first.
   */
  get activeJobs(): ReadonlyArray<JobsModel.IEntry> {
    return this._sorted()
      .filter(entry => !entry.job.preview && isActiveState(entry.state))
      .reverse();
  }

  /**
   * Whether any job (previews left out) is queued or running.
   */
  get hasActive(): boolean {
    return this.activeJobs.length > 0;
  }

  /**
   * Whether `restore()` is fetching the recent jobs.
   */
  get isRestoring(): boolean {
    return this._restoring;
  }

  /**
   * Why the recent jobs could not be fetched, or `null`.
   */
  get restoreError(): string | null {
    return this._restoreError;
  }

  /**
   * A job by id, if known.
   */
  get(id: string): JobsModel.IEntry | undefined {
    return this._entries.get(id);
  }

  /**
   * The newest queued or running job (preview or not) that concerns a package.
   */
  activeJobFor(name: string): JobsModel.IEntry | null {
    for (const entry of this._sorted()) {
      if (isActiveState(entry.state) && entry.job.packages.includes(name)) {
        return entry;
      }
    }
    return null;
  }

  /**
   * Queue a job and follow it.
   *
   * @throws The request's error (`ResponseError` with the server's message for
   * 400, 403 and 429, `NetworkError` when the server cannot be reached).
   */
  async submit(
    action: JobAction,
    packages: ReadonlyArray<string>
  ): Promise<JobsModel.IEntry> {
    return this._submit({ action, packages: [...packages], preview: false });
  }

  /**
   * Follow a job queued by another request (`POST resolve` with `install`),
   * as if it had been submitted here.
   *
   * @param job The job as the server answered, with its log from the start.
   */
  track(job: IJob): JobsModel.IEntry {
    if (this.isDisposed) {
      throw new Error('The jobs model was disposed');
    }
    this._merge(job, 0);
    return this._entries.get(job.id)!;
  }

  /**
   * Ask apk what a job would do, without doing it.
   *
   * @returns The preview job once it ended (`done` with its plan, or `failed`
   * with the reason), or became `unknown`.
   *
   * #### Notes
   * Never preview a removal: the server simulates only `apk add`, see
   * `JobsModel.canPreview`.
   */
  async preview(
    action: JobAction,
    packages: ReadonlyArray<string>
  ): Promise<JobsModel.IEntry> {
    if (!JobsModel.canPreview(action)) {
      throw new Error(`A ${action} job cannot be previewed`);
    }
    const entry = await this._submit({
      action,
      packages: [...packages],
      preview: true
    });
    return this.whenEnded(entry.id);
  }

  /**
   * Resolve with a job once it is in a final state or `unknown`.
   *
   * @throws When the job is unknown to the model or the model is disposed first.
   */
  whenEnded(id: string): Promise<JobsModel.IEntry> {
    const entry = this._entries.get(id);
    if (!entry) {
      return Promise.reject(new Error(`Unknown job ${id}`));
    }
    if (!isActiveState(entry.state)) {
      return Promise.resolve(entry);
    }
    return new Promise((resolve, reject) => {
      const waiters = this._waiters.get(id) ?? [];
      waiters.push({ resolve, reject });
      this._waiters.set(id, waiters);
    });
  }

  /**
   * Ask the server to cancel a queued or running job.
   *
   * #### Notes
   * A queued job is cancelled at once; a running apk is stopped and the job
   * ends shortly after, which the poll picks up.
   *
   * @throws The request's error.
   */
  async cancel(id: string): Promise<void> {
    const job = await this.deleteJob(id);
    if (!this.isDisposed) {
      this._merge(job, null);
    }
  }

  /**
   * Fetch the recent jobs (after a reload, the server still knows them) and
   * follow the unfinished ones.
   *
   * #### Notes
   * Previews are left out. Jobs known already keep their log.
   */
  async restore(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._restoring = true;
    this.stateChanged.emit();
    let jobs: IJob[] = [];
    let error: string | null = null;
    try {
      jobs = await this.fetchJobs();
    } catch (reason) {
      error = describeRequestError(reason, this._trans);
    }
    if (this.isDisposed) {
      return;
    }
    for (const job of jobs) {
      if (!job.preview) {
        this._merge(job, null);
      }
    }
    this._restoring = false;
    this._restoreError = error;
    this.stateChanged.emit();
  }

  /**
   * Follow a job shown as `unknown` again.
   */
  reconnect(id: string): void {
    const entry = this._entries.get(id);
    if (!entry || entry.state !== 'unknown' || this.isDisposed) {
      return;
    }
    // The loop that gave up may not have cleaned up yet: it must not block a new one.
    this._polls.get(id)?.abort();
    this._polls.delete(id);
    this._replace({
      ...entry,
      state: entry.job.state,
      connectionError: null
    });
    if (isActiveState(entry.job.state)) {
      this._follow(id);
    }
  }

  /**
   * Fetch the whole log of a job whose log is incomplete (restored jobs come
   * without one). Followed jobs bring their log with every poll.
   *
   * @throws The request's error.
   */
  async loadLog(id: string): Promise<void> {
    const entry = this._entries.get(id);
    if (!entry || entry.logComplete || this._polls.has(id)) {
      return;
    }
    const job = await this.fetchJob(id, { logOffset: 0 });
    if (!this.isDisposed) {
      this._merge(job, 0);
    }
  }

  /**
   * Dispose of the model: every poll stops and waiting callers are rejected.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    for (const controller of this._polls.values()) {
      controller.abort();
    }
    this._polls.clear();
    for (const waiters of this._waiters.values()) {
      for (const waiter of waiters) {
        waiter.reject(new Error('The jobs model was disposed'));
      }
    }
    this._waiters.clear();
    super.dispose();
    Signal.clearData(this);
  }

  /**
   * Queue a job.
   */
  protected postJob(request: IJobRequest): Promise<IJob> {
    return submitJob(request, this.serverSettings);
  }

  /**
   * Fetch one job, possibly long-polling.
   */
  protected fetchJob(
    id: string,
    query: IJobQuery,
    signal?: AbortSignal
  ): Promise<IJob> {
    return getJob(id, query, this.serverSettings, signal ? { signal } : {});
  }

  /**
   * Fetch the recent jobs.
   */
  protected fetchJobs(): Promise<IJob[]> {
    return listJobs(this.serverSettings);
  }

  /**
   * Cancel one job.
   */
  protected deleteJob(id: string): Promise<IJob> {
    return cancelJob(id, this.serverSettings);
  }

  private async _submit(request: IJobRequest): Promise<JobsModel.IEntry> {
    return this.track(await this.postJob(request));
  }

  /**
   * Take a job's new snapshot into its entry, and follow it if it is unfinished.
   *
   * @param job The job as the server sent it.
   * @param logFrom Where the reply's log starts: `0` for the whole log, the
   * length received so far to append, `null` when the reply carries no log.
   */
  private _merge(job: IJob, logFrom: number | null): void {
    const old = this._entries.get(job.id);
    if (old && job.revision < old.job.revision) {
      return;
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
      return;
    }
    const progress =
      job.state === 'done' && !job.preview
        ? 1
        : Math.max(old?.progress ?? 0, Private.clamp(job.progress));
    const entry: JobsModel.IEntry = {
      id: job.id,
      job: { ...job, log },
      state: job.state,
      progress,
      connectionError: null,
      logReceived: received,
      logComplete: received >= job.log_length
    };
    this._replace(entry);
    if (isActiveState(entry.state)) {
      this._follow(job.id);
    }
  }

  /**
   * Store an entry and tell everyone.
   */
  private _replace(entry: JobsModel.IEntry): void {
    const previous = this._entries.get(entry.id) ?? null;
    if (!previous) {
      this._order.push(entry.id);
    }
    this._entries.set(entry.id, entry);
    this._sortedCache = null;
    // running -> done, running -> unknown, and unknown -> done (found again) all end it.
    const ended =
      previous !== null &&
      previous.state !== entry.state &&
      !isActiveState(entry.state);
    this._jobChanged.emit({
      type: previous === null ? 'added' : ended ? 'ended' : 'changed',
      entry,
      previous
    });
    // A job submitted already finished (or restored finished) ends at once too.
    if (previous === null && !isActiveState(entry.state)) {
      this._settle(entry);
    } else if (ended) {
      this._settle(entry);
    }
    this.stateChanged.emit();
  }

  /**
   * Resolve the callers waiting for a job to end.
   */
  private _settle(entry: JobsModel.IEntry): void {
    const waiters = this._waiters.get(entry.id);
    if (waiters) {
      this._waiters.delete(entry.id);
      for (const waiter of waiters) {
        waiter.resolve(entry);
      }
    }
  }

  /**
   * Start the poll loop of a job unless one runs already.
   */
  private _follow(id: string): void {
    if (this._polls.has(id) || this.isDisposed) {
      return;
    }
    const controller = new AbortController();
    this._polls.set(id, controller);
    void this._poll(id, controller.signal)
      .catch(reason => {
        // A bug here must not leave the job spinning: show it as unknown.
        console.error(`Following the apk job ${id} failed`, reason);
        this._setUnknown(id, describeRequestError(reason, this._trans));
      })
      .then(() => {
        if (this._polls.get(id) === controller) {
          this._polls.delete(id);
        }
      });
  }

  /**
   * Long-poll a job until it is final, the server is gone or polling is stopped.
   */
  private async _poll(id: string, stop: AbortSignal): Promise<void> {
    let failures = 0;
    while (!stop.aborted && !this.isDisposed) {
      const entry = this._entries.get(id);
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
        if (stop.aborted || this.isDisposed) {
          return;
        }
        if (
          reason instanceof ServerConnection.ResponseError &&
          reason.response.status === 404
        ) {
          this._setUnknown(
            id,
            this._trans.__(
              'The server no longer knows this job (was its history deleted?).'
            )
          );
          return;
        }
        if (failures >= this._retryDelays.length) {
          this._setUnknown(id, describeRequestError(reason, this._trans));
          return;
        }
        await Private.sleep(this._retryDelays[failures], stop);
        failures++;
        continue;
      }
      failures = 0;
      if (stop.aborted || this.isDisposed) {
        return;
      }
      this._merge(job, logFrom);
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
      return await this.fetchJob(id, query, controller.signal);
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

  /**
   * Show a job as `unknown`: the server stopped answering about it.
   */
  private _setUnknown(id: string, reason: string): void {
    const entry = this._entries.get(id);
    if (!entry || !isActiveState(entry.state) || this.isDisposed) {
      return;
    }
    this._replace({ ...entry, state: 'unknown', connectionError: reason });
  }

  /**
   * All entries, newest first.
   */
  private _sorted(): JobsModel.IEntry[] {
    if (this._sortedCache) {
      return this._sortedCache;
    }
    const entries = this._order.map(id => this._entries.get(id)!);
    // ISO 8601 times in the same zone sort as strings; ties keep arrival order.
    this._sortedCache = entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) =>
        a.entry.job.created === b.entry.job.created
          ? b.index - a.index
          : a.entry.job.created < b.entry.job.created
            ? 1
            : -1
      )
      .map(item => item.entry);
    return this._sortedCache;
  }

  private _entries = new Map<string, JobsModel.IEntry>();
  private _jobChanged = new Signal<this, JobsModel.IChange>(this);
  private _order: string[] = [];
  private _pollGrace: number;
  private _polls = new Map<string, AbortController>();
  private _pollWait: number;
  private _restoreError: string | null = null;
  private _restoring = false;
  private _retryDelays: ReadonlyArray<number>;
  private _sortedCache: JobsModel.IEntry[] | null = null;
  private _trans: TranslationBundle;
  private _waiters = new Map<string, Private.IWaiter[]>();
}

/**
 * The namespace for `JobsModel` statics.
 */
export namespace JobsModel {
  /**
   * The options to create a jobs model.
   */
  export interface IOptions {
    /**
     * The server settings; defaults to `ServerConnection.makeSettings()`.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The application language translator, for error messages.
     */
    translator?: ITranslator;
    /**
     * How long the server may hold a long-poll, in seconds; defaults to 25.
     */
    pollWait?: number;
    /**
     * How long past `pollWait` a poll may take before it counts as lost, in
     * milliseconds; defaults to 15000.
     */
    pollGrace?: number;
    /**
     * The pauses between retries of a failed poll, in milliseconds; the job is
     * shown as unknown once they are used up. Defaults to 1, 2, 4 and 8 seconds.
     */
    retryDelays?: ReadonlyArray<number>;
  }

  /**
   * A job as the model knows it.
   */
  export interface IEntry {
    /**
     * The job id.
     */
    readonly id: string;
    /**
     * The job as the server last described it, with `log` holding all the log
     * received so far.
     */
    readonly job: IJob;
    /**
     * The state to show.
     */
    readonly state: JobDisplayState;
    /**
     * The fraction done, which never decreases while the job runs.
     */
    readonly progress: number;
    /**
     * Why the state is `unknown`, else `null`.
     */
    readonly connectionError: string | null;
    /**
     * How much of the log was received, in the server's characters.
     */
    readonly logReceived: number;
    /**
     * Whether `job.log` holds the whole log.
     */
    readonly logComplete: boolean;
  }

  /**
   * A change of one job.
   */
  export interface IChange {
    /**
     * `added`: first seen; `changed`: new progress, log or state;
     * `ended`: reached a final state or became unknown.
     */
    type: 'added' | 'changed' | 'ended';
    /**
     * The job after the change.
     */
    entry: IEntry;
    /**
     * The job before the change, or `null` when it was added.
     */
    previous: IEntry | null;
  }

  /**
   * Whether the server can simulate an action to show its plan first.
   *
   * #### Notes
   * The server simulates `apk add` only: a `remove` job with `preview: true`
   * would really remove the packages, so it is never sent.
   */
  export function canPreview(action: JobAction): boolean {
    return action !== 'remove';
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * A caller of `whenEnded`.
   */
  export interface IWaiter {
    resolve: (entry: JobsModel.IEntry) => void;
    reject: (reason: unknown) => void;
  }

  /**
   * A number between 0 and 1 (0 for anything else).
   */
  export function clamp(value: number): number {
    return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
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
}

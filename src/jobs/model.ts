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
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  cancelJob,
  describeRequestError,
  getJob,
  IJob,
  IJobQuery,
  IJobRequest,
  JobKind,
  listJobs,
  submitJob
} from '../api';

import {
  createWatch,
  JobPoller,
  POLL_GRACE,
  POLL_WAIT,
  RETRY_DELAYS,
  WATCH_INTERVAL
} from './poll';
import {
  isActiveState,
  isCleared,
  isWaitingBehind,
  JobDisplayState,
  mergeJob
} from './state';
import { JobStore } from './store';

export { isActiveState } from './state';
export type { JobDisplayState } from './state';

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
    this._poller = new JobPoller({
      host: this._pollHost(),
      trans: this._trans,
      pollWait: options.pollWait ?? POLL_WAIT,
      pollGrace: options.pollGrace ?? POLL_GRACE,
      retryDelays: options.retryDelays ?? RETRY_DELAYS
    });
    this._watch = createWatch(
      () => this._fetchList(),
      options.watchInterval ?? WATCH_INTERVAL
    );
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
   * The jobs to show, newest first; previews and the finished jobs cleared
   * with `clearFinished()` are left out.
   */
  get jobs(): ReadonlyArray<JobsModel.IEntry> {
    return this._entries
      .sorted()
      .filter(
        entry => !entry.job.preview && !isCleared(entry, this._clearedBefore)
      );
  }

  /**
   * Whether any finished job is shown (which `clearFinished()` would hide).
   */
  get hasFinished(): boolean {
    return this.jobs.some(entry => !isActiveState(entry.state));
  }

  /**
   * Jobs created up to this time (ISO 8601) and finished are hidden; `''`
   * hides none.
   */
  get clearedBefore(): string {
    return this._clearedBefore;
  }
  set clearedBefore(value: string) {
    if (value !== this._clearedBefore) {
      this._clearedBefore = value;
      this.stateChanged.emit();
    }
  }

  /**
   * A signal emitted when `clearFinished()` hides jobs, with the new
   * `clearedBefore` (to remember it across reloads).
   */
  get cleared(): ISignal<this, string> {
    return this._cleared;
  }

  /**
   * Hide the finished jobs shown now; unfinished ones stay, and hide once
   * they finish. The server keeps them all.
   */
  clearFinished(): void {
    const newest = this._entries.sorted().find(entry => !entry.job.preview);
    if (!newest) {
      return;
    }
    this._clearedBefore = newest.job.created;
    this._cleared.emit(this._clearedBefore);
    this.stateChanged.emit();
  }

  /**
   * Whether a queued job waits for another one: a job known here (preview or
   * not) that runs, or that was queued before it and is still queued.
   *
   * #### Notes
   * Every job is `queued` for a moment before the server starts it: only a
   * job with another one ahead of it is really waiting.
   */
  isWaiting(id: string): boolean {
    const entry = this._entries.get(id);
    return !!entry && isWaitingBehind(entry, this._entries.values());
  }

  /**
   * The queued and running jobs (previews left out), oldest first.
   */
  get activeJobs(): ReadonlyArray<JobsModel.IEntry> {
    return this._entries
      .sorted()
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
    for (const entry of this._entries.sorted()) {
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
    action: JobKind,
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
   */
  async preview(
    action: JobKind,
    packages: ReadonlyArray<string>
  ): Promise<JobsModel.IEntry> {
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
    return this._entries.wait(id);
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
   * Fetch the recent jobs (after a reload, the server still knows them),
   * follow the unfinished ones, and from then on watch for new ones.
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
    let error: string | null = null;
    try {
      await this._fetchList();
    } catch (reason) {
      error = describeRequestError(reason, this._trans);
    }
    if (this.isDisposed) {
      return;
    }
    this._restoring = false;
    this._restoreError = error;
    this.stateChanged.emit();
    if (this._watch && this._watch.state.phase === 'constructed') {
      void this._watch.start();
    }
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
    this._poller.stop(id);
    this._replace({
      ...entry,
      state: entry.job.state,
      connectionError: null
    });
    if (isActiveState(entry.job.state)) {
      this._poller.follow(id);
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
    if (!entry || entry.logComplete || this._poller.isFollowing(id)) {
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
    this._poller.stopAll();
    this._entries.rejectAll(new Error('The jobs model was disposed'));
    this._watch?.dispose();
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

  /**
   * Fetch the recent jobs and take them in: new unfinished ones are followed.
   */
  private async _fetchList(): Promise<void> {
    const jobs = await this.fetchJobs();
    if (this.isDisposed) {
      return;
    }
    for (const job of jobs) {
      if (!job.preview) {
        this._merge(job, null);
      }
    }
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
    const entry = mergeJob(this._entries.get(job.id), job, logFrom);
    if (!entry) {
      return;
    }
    this._replace(entry);
    if (isActiveState(entry.state)) {
      this._poller.follow(job.id);
    }
  }

  /**
   * Store an entry and tell everyone.
   */
  private _replace(entry: JobsModel.IEntry): void {
    const previous = this._entries.set(entry);
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
      this._entries.settle(entry);
    } else if (ended) {
      this._entries.settle(entry);
    }
    this.stateChanged.emit();
  }

  /**
   * What the poller needs of this model: its entries, its fetch hook, and
   * the steps that take in what the poller finds.
   */
  private _pollHost(): JobPoller.IHost {
    return {
      isDisposed: () => this.isDisposed,
      get: id => this._entries.get(id),
      fetchJob: (id, query, signal) => this.fetchJob(id, query, signal),
      merge: (job, logFrom) => this._merge(job, logFrom),
      setUnknown: (id, reason) => this._setUnknown(id, reason)
    };
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

  private _cleared = new Signal<this, string>(this);
  private _clearedBefore = '';
  private _entries = new JobStore();
  private _jobChanged = new Signal<this, JobsModel.IChange>(this);
  private _poller: JobPoller;
  private _restoreError: string | null = null;
  private _restoring = false;
  private _trans: TranslationBundle;
  private _watch: Poll | null;
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
    /**
     * How often `restore()` goes on to fetch the list of jobs again, to find
     * those started elsewhere, in milliseconds; 0 never. Defaults to 5000.
     */
    watchInterval?: number;
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
}

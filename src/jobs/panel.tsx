// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jobs section of the sidebar: recent jobs with their state, progress,
 * outcome and log, and a cancel button while they are unfinished.
 */

import { Clipboard, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  clearIcon,
  PanelWithToolbar,
  ReactWidget,
  refreshIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { describeRequestError } from '../api';
import { actionLabel, packagesLabel } from './dialog';
import { isActiveState, JobDisplayState, JobsModel } from './model';
import { jobOutcome } from './outcome';

/**
 * CSS classes. Tests (jest and Galata) select on these: keep them stable.
 */
const SECTION_CLASS = 'jp-ApkJobs-section';
const JOBS_CLASS = 'jp-ApkJobs';
const LIST_CLASS = 'jp-ApkJobs-list';
const JOB_CLASS = 'jp-ApkJobs-job';
const JOB_HEADER_CLASS = 'jp-ApkJobs-jobHeader';
const STATE_CLASS = 'jp-ApkJobs-state';
const TITLE_CLASS = 'jp-ApkJobs-title';
const TIME_CLASS = 'jp-ApkJobs-time';
const PROGRESS_CLASS = 'jp-ApkJobs-progress';
const PROGRESS_BAR_CLASS = 'jp-ApkJobs-progressBar';
const ERROR_CLASS = 'jp-ApkJobs-error';
const WARNING_CLASS = 'jp-ApkJobs-warning';
const COPY_LOG_CLASS = 'jp-ApkJobs-copyLog';
const CHANGES_CLASS = 'jp-ApkJobs-changes';
const ACTIONS_CLASS = 'jp-ApkJobs-actions';
const TOGGLE_LOG_CLASS = 'jp-ApkJobs-toggleLog';
const CANCEL_CLASS = 'jp-ApkJobs-cancel';
const RECONNECT_CLASS = 'jp-ApkJobs-reconnect';
const LOG_CLASS = 'jp-ApkJobs-log';
const EMPTY_CLASS = 'jp-ApkJobs-empty';
const LOADING_CLASS = 'jp-ApkJobs-loading';

const SHOW_ALL_CLASS = 'jp-ApkJobs-showAll';

const EXPANDED_MOD = 'jp-mod-expanded';

/**
 * How many jobs the list shows until the user asks for all of them.
 */
const RECENT_JOBS = 5;
const INDETERMINATE_MOD = 'jp-mod-indeterminate';

/**
 * The list of recent jobs.
 */
export class JobList extends ReactWidget {
  /**
   * Construct the list.
   */
  constructor(options: JobList.IOptions) {
    super();
    this.model = options.model;
    this._trans = options.trans;
    this.addClass(JOBS_CLASS);
    this.model.stateChanged.connect(this.update, this);
  }

  /**
   * The model rendered.
   */
  readonly model: JobsModel;

  /**
   * Whether a job's log is shown.
   */
  isExpanded(id: string): boolean {
    return this._expanded.has(id);
  }

  /**
   * Show or hide a job's log, fetching it first if the model lacks it.
   */
  toggleLog(id: string): void {
    if (this._expanded.has(id)) {
      this._expanded.delete(id);
    } else {
      this._expanded.add(id);
      this.model.loadLog(id).catch(reason => {
        console.error(`Failed to fetch the log of apk job ${id}`, reason);
        this._logErrors.set(id, describeRequestError(reason, this._trans));
        this.update();
      });
    }
    this.update();
  }

  /**
   * Dispose of the list.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this.update, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    const all = model.jobs;
    // The recent jobs, and every unfinished one.
    const jobs = this._showAll
      ? all
      : all.filter(
          (entry, index) => index < RECENT_JOBS || isActiveState(entry.state)
        );
    return (
      <>
        {model.isRestoring && jobs.length === 0 && (
          <div className={LOADING_CLASS} role="status">
            {trans.__('Loading jobs…')}
          </div>
        )}
        {model.restoreError !== null && (
          <div className={ERROR_CLASS} role="alert">
            {trans.__(
              'The recent jobs could not be fetched: %1',
              model.restoreError
            )}
          </div>
        )}
        {!model.isRestoring && jobs.length === 0 && (
          <div className={EMPTY_CLASS} role="status">
            {trans.__(
              'No jobs yet. Installing, upgrading or removing a package shows its progress and log here.'
            )}
          </div>
        )}
        <ul className={LIST_CLASS} aria-label={trans.__('apk jobs')}>
          {jobs.map(entry => (
            <JobEntry
              key={entry.id}
              entry={entry}
              expanded={this._expanded.has(entry.id)}
              logError={this._logErrors.get(entry.id) ?? null}
              onToggleLog={() => this.toggleLog(entry.id)}
              onCancel={() => {
                model.cancel(entry.id).catch(reason => {
                  Notification.error(
                    trans.__(
                      'The job could not be cancelled: %1',
                      describeRequestError(reason, trans)
                    ),
                    { autoClose: 5000 }
                  );
                });
              }}
              onReconnect={() => model.reconnect(entry.id)}
              waiting={model.isWaiting(entry.id)}
              trans={trans}
            />
          ))}
        </ul>
        {jobs.length < all.length && (
          <button
            className={`${SHOW_ALL_CLASS} jp-Button jp-mod-minimal`}
            onClick={() => {
              this._showAll = true;
              this.update();
            }}
          >
            {trans.__('Show all %1 jobs', all.length)}
          </button>
        )}
      </>
    );
  }

  private _showAll = false;
  private _expanded = new Set<string>();
  private _logErrors = new Map<string, string>();
  private _trans: TranslationBundle;
}

/**
 * The namespace for `JobList` statics.
 */
export namespace JobList {
  /**
   * The options to create a job list.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: JobsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * The jobs section of the sidebar, with a toolbar button to fetch the jobs again.
 */
export class JobsSection extends PanelWithToolbar {
  /**
   * Construct the section.
   */
  constructor(options: JobsSection.IOptions) {
    super();
    const { model, trans } = options;
    this.model = model;
    this._trans = trans;
    this.addClass(SECTION_CLASS);
    this.toolbar.addItem(
      'clear',
      new ToolbarButton({
        icon: clearIcon,
        onClick: () => model.clearFinished(),
        tooltip: trans.__('Clear the finished jobs from this list'),
        label: trans.__('Clear finished')
      })
    );
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        onClick: () => void model.restore(),
        tooltip: trans.__('Fetch the recent jobs again')
      })
    );
    this.list = new JobList({ model, trans });
    this.addWidget(this.list);
    model.stateChanged.connect(this._updateTitle, this);
    this._updateTitle();
  }

  /**
   * The model rendered.
   */
  readonly model: JobsModel;

  /**
   * The list of jobs.
   */
  readonly list: JobList;

  /**
   * Dispose of the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._updateTitle, this);
    super.dispose();
  }

  private _updateTitle(): void {
    const active = this.model.activeJobs.length;
    this.title.label =
      active === 0
        ? this._trans.__('Jobs')
        : this._trans._n('Jobs (%1 running)', 'Jobs (%1 running)', active);
  }

  private _trans: TranslationBundle;
}

/**
 * The namespace for `JobsSection` statics.
 */
export namespace JobsSection {
  /**
   * The options to create the section.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: JobsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * One job: state badge, what it does, progress or outcome, and its log.
 */
export function JobEntry(props: JobEntry.IProperties): JSX.Element {
  const {
    entry,
    expanded,
    logError,
    onToggleLog,
    onCancel,
    onReconnect,
    waiting,
    trans
  } = props;
  const { job, state } = entry;
  const warnings =
    state === 'done' ? jobOutcome(job, trans).warnings : ([] as string[]);
  // The badge: a job that did not do all it was asked is no plain "done".
  const badge = warnings.length > 0 ? 'warning' : state;
  const active = isActiveState(state);
  const percent = Math.round(entry.progress * 100);
  const classes = [JOB_CLASS, `jp-mod-${badge}`];
  if (expanded) {
    classes.push(EXPANDED_MOD);
  }
  const logRef = React.useRef<HTMLPreElement>(null);
  // Follow the end of a growing log, as a terminal does.
  React.useEffect(() => {
    const node = logRef.current;
    if (node && active) {
      node.scrollTop = node.scrollHeight;
    }
  }, [job.log, expanded, active]);
  const outcome =
    state === 'unknown'
      ? trans.__(
          'The server stopped answering; the job may still be running. %1',
          entry.connectionError ?? ''
        )
      : (job.error ?? null);
  return (
    <li
      className={classes.join(' ')}
      data-job={job.id}
      data-state={state}
      aria-busy={active}
    >
      <JobHeader
        job={job}
        state={state}
        badge={badge}
        hasWarnings={warnings.length > 0}
        waiting={waiting}
        trans={trans}
      />
      {active && <JobProgress state={state} percent={percent} trans={trans} />}
      {outcome && <div className={ERROR_CLASS}>{outcome}</div>}
      {warnings.map(text => (
        <div key={text} className={WARNING_CLASS}>
          {text}
        </div>
      ))}
      {state === 'done' && job.installed.length > 0 && (
        <div className={CHANGES_CLASS}>
          {trans.__('Changed: %1', job.installed.join(', '))}
        </div>
      )}
      <JobActions
        job={job}
        state={state}
        active={active}
        expanded={expanded}
        onToggleLog={onToggleLog}
        onCancel={onCancel}
        onReconnect={onReconnect}
        trans={trans}
      />
      {expanded && (
        <pre className={LOG_CLASS} ref={logRef}>
          {job.log ||
            logError ||
            (entry.logComplete
              ? trans.__('apk printed nothing.')
              : trans.__('Loading the log…'))}
        </pre>
      )}
    </li>
  );
}

/**
 * The namespace for `JobEntry` statics.
 */
export namespace JobEntry {
  /**
   * The properties of a job row.
   */
  export interface IProperties {
    /**
     * The job.
     */
    entry: JobsModel.IEntry;
    /**
     * Whether its log is shown.
     */
    expanded: boolean;
    /**
     * Why its log could not be fetched, or `null`.
     */
    logError: string | null;
    /**
     * Called to show or hide the log.
     */
    onToggleLog: () => void;
    /**
     * Called to cancel the job.
     */
    onCancel: () => void;
    /**
     * Called to ask the server about an unknown job again.
     */
    onReconnect: () => void;
    /**
     * Whether the job, if queued, waits for another one.
     */
    waiting: boolean;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * A job row's header: its state badge, what it does and when.
 */
function JobHeader(props: JobHeader.IProperties): JSX.Element {
  const { job, state, badge, hasWarnings, waiting, trans } = props;
  return (
    <div className={JOB_HEADER_CLASS}>
      <span className={`${STATE_CLASS} jp-mod-${badge}`}>
        {hasWarnings
          ? trans.__('warning')
          : state === 'queued' && !waiting
            ? trans.__('starting')
            : Private.stateLabel(state, trans)}
      </span>
      <span
        className={TITLE_CLASS}
        title={job.packages.join(' ')}
      >{`${actionLabel(job.action, trans)} ${packagesLabel(job.packages, trans)}`}</span>
      <span className={TIME_CLASS} title={job.created}>
        {Private.formatTime(job.finished ?? job.started ?? job.created)}
      </span>
    </div>
  );
}

/**
 * The namespace for `JobHeader` statics.
 */
namespace JobHeader {
  /**
   * The properties of a job row's header.
   */
  export interface IProperties {
    /**
     * The job.
     */
    job: JobsModel.IEntry['job'];
    /**
     * The job's display state.
     */
    state: JobDisplayState;
    /**
     * The badge's modifier: the state, or `warning`.
     */
    badge: string;
    /**
     * Whether the job finished with warnings.
     */
    hasWarnings: boolean;
    /**
     * Whether the job, if queued, waits for another one.
     */
    waiting: boolean;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * The progress bar of an unfinished job.
 */
function JobProgress(props: JobProgress.IProperties): JSX.Element {
  const { state, percent, trans } = props;
  return (
    <div
      className={`${PROGRESS_CLASS}${
        state === 'queued' || percent === 0 ? ` ${INDETERMINATE_MOD}` : ''
      }`}
      role="progressbar"
      aria-label={trans.__('Progress')}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={state === 'running' ? percent : undefined}
    >
      <div
        className={PROGRESS_BAR_CLASS}
        style={{ width: `${state === 'running' ? percent : 0}%` }}
      />
    </div>
  );
}

/**
 * The namespace for `JobProgress` statics.
 */
namespace JobProgress {
  /**
   * The properties of a job's progress bar.
   */
  export interface IProperties {
    /**
     * The job's display state.
     */
    state: JobDisplayState;
    /**
     * The job's progress, in percent.
     */
    percent: number;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * A job row's buttons: show or hide and copy the log, cancel, check again.
 */
function JobActions(props: JobActions.IProperties): JSX.Element {
  const {
    job,
    state,
    active,
    expanded,
    onToggleLog,
    onCancel,
    onReconnect,
    trans
  } = props;
  return (
    <div className={ACTIONS_CLASS}>
      <button
        className={`${TOGGLE_LOG_CLASS} jp-Button jp-mod-minimal`}
        aria-expanded={expanded}
        onClick={onToggleLog}
      >
        {expanded ? trans.__('Hide log') : trans.__('Show log')}
      </button>
      {active && (
        <button
          className={`${CANCEL_CLASS} jp-Button jp-mod-minimal`}
          onClick={onCancel}
        >
          {trans.__('Cancel')}
        </button>
      )}
      {state === 'unknown' && (
        <button
          className={`${RECONNECT_CLASS} jp-Button jp-mod-minimal`}
          onClick={onReconnect}
        >
          {trans.__('Check again')}
        </button>
      )}
      {expanded && job.log && (
        <button
          className={`${COPY_LOG_CLASS} jp-Button jp-mod-minimal`}
          onClick={() => Clipboard.copyToSystem(job.log)}
        >
          {trans.__('Copy log')}
        </button>
      )}
    </div>
  );
}

/**
 * The namespace for `JobActions` statics.
 */
namespace JobActions {
  /**
   * The properties of a job row's buttons.
   */
  export interface IProperties {
    /**
     * The job.
     */
    job: JobsModel.IEntry['job'];
    /**
     * The job's display state.
     */
    state: JobDisplayState;
    /**
     * Whether the job is unfinished.
     */
    active: boolean;
    /**
     * Whether its log is shown.
     */
    expanded: boolean;
    /**
     * Called to show or hide the log.
     */
    onToggleLog: () => void;
    /**
     * Called to cancel the job.
     */
    onCancel: () => void;
    /**
     * Called to ask the server about an unknown job again.
     */
    onReconnect: () => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * The label of a state badge.
   */
  export function stateLabel(
    state: JobDisplayState,
    trans: TranslationBundle
  ): string {
    switch (state) {
      case 'queued':
        return trans.__('queued');
      case 'running':
        return trans.__('running');
      case 'done':
        return trans.__('done');
      case 'failed':
        return trans.__('failed');
      case 'cancelled':
        return trans.__('cancelled');
      case 'timed-out':
        return trans.__('timed out');
      case 'unknown':
        return trans.__('unknown');
      default:
        return state;
    }
  }

  /**
   * Format an ISO 8601 time for a job row, or return it unchanged if unparsable.
   */
  export function formatTime(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) {
      return iso;
    }
    const today = new Date().toDateString() === date.toDateString();
    return today ? date.toLocaleTimeString() : date.toLocaleString();
  }
}

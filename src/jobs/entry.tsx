// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * One job of the sidebar's jobs list: its state, title and time, progress,
 * outcome, log and actions.
 */

import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { actionLabel, packagesLabel } from './dialog';
import { isActiveState, JobDisplayState, JobsModel } from './model';
import { jobOutcome } from './outcome';

/**
 * CSS classes. Tests (jest and Galata) select on these: keep them stable.
 */
const ACTIONS_CLASS = 'jp-ApkJobs-actions';
const CANCEL_CLASS = 'jp-ApkJobs-cancel';
const CHANGES_CLASS = 'jp-ApkJobs-changes';
const COPY_LOG_CLASS = 'jp-ApkJobs-copyLog';
const EXPANDED_MOD = 'jp-mod-expanded';
const INDETERMINATE_MOD = 'jp-mod-indeterminate';
const JOB_CLASS = 'jp-ApkJobs-job';
const JOB_HEADER_CLASS = 'jp-ApkJobs-jobHeader';
const LOG_CLASS = 'jp-ApkJobs-log';
const PROGRESS_BAR_CLASS = 'jp-ApkJobs-progressBar';
const PROGRESS_CLASS = 'jp-ApkJobs-progress';
const RECONNECT_CLASS = 'jp-ApkJobs-reconnect';
const STATE_CLASS = 'jp-ApkJobs-state';
const TIME_CLASS = 'jp-ApkJobs-time';
const TITLE_CLASS = 'jp-ApkJobs-title';
const TOGGLE_LOG_CLASS = 'jp-ApkJobs-toggleLog';
const WARNING_CLASS = 'jp-ApkJobs-warning';
export const ERROR_CLASS = 'jp-ApkJobs-error';

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

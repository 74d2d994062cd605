// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jobs section of the sidebar: recent jobs with their state, progress,
 * outcome and log, and a cancel button while they are unfinished.
 */

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  clearIcon,
  VDomRenderer,
  refreshIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { describeRequestError } from '../api';
import { ToolbarSection } from '../ui/section';
import { ERROR_CLASS, JobEntry } from './entry';
import { isActiveState, JobsModel } from './model';

/**
 * CSS classes. Tests (jest and Galata) select on these: keep them stable.
 */
const SECTION_CLASS = 'jp-ApkJobs-section';
const JOBS_CLASS = 'jp-ApkJobs';
const LIST_CLASS = 'jp-ApkJobs-list';
const EMPTY_CLASS = 'jp-ApkJobs-empty';
const LOADING_CLASS = 'jp-ApkJobs-loading';

const SHOW_ALL_CLASS = 'jp-ApkJobs-showAll';

/**
 * How many jobs the list shows until the user asks for all of them.
 */
const RECENT_JOBS = 5;

/**
 * The list of recent jobs.
 */
export class JobList extends VDomRenderer<JobsModel> {
  /**
   * Construct the list.
   */
  constructor(options: JobList.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this.addClass(JOBS_CLASS);
  }

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
export class JobsSection extends ToolbarSection<JobsModel> {
  /**
   * Construct the section.
   */
  constructor(options: JobsSection.IOptions) {
    const { model, trans } = options;
    const list = new JobList({ model, trans });
    super({
      model,
      className: SECTION_CLASS,
      label: () => {
        const active = model.activeJobs.length;
        return active === 0
          ? trans.__('Jobs')
          : trans._n('Jobs (%1 running)', 'Jobs (%1 running)', active);
      },
      buttons: {
        clear: {
          icon: clearIcon,
          onClick: () => model.clearFinished(),
          tooltip: trans.__('Clear the finished jobs from this list'),
          label: trans.__('Clear finished')
        },
        refresh: {
          icon: refreshIcon,
          onClick: () => void model.restore(),
          tooltip: trans.__('Fetch the recent jobs again')
        }
      },
      content: list
    });
    this.list = list;
  }

  /**
   * The list of jobs.
   */
  readonly list: JobList;
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

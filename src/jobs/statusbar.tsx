// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The status bar item shown while apk jobs are queued or running.
 */

import { GroupItem, ProgressBar, TextItem } from '@jupyterlab/statusbar';
import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { packagesLabel } from './dialog';
import { JobsModel } from './model';

/**
 * CSS class of the item. The UI tests select on it: keep it stable.
 */
const STATUS_CLASS = 'jp-ApkJobs-status';

/**
 * The status bar item: the running job and its progress, and how many wait.
 *
 * #### Notes
 * Register it with `isActive: () => model.hasActive` and
 * `activeStateChanged: model.stateChanged`, so that it shows only while a job
 * is queued or running.
 */
export class JobsStatus extends VDomRenderer<JobsModel> {
  /**
   * Construct the item.
   */
  constructor(options: JobsStatus.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this._onClick = options.onClick ?? null;
    this.addClass(STATUS_CLASS);
    this.addClass('jp-mod-highlighted');
    this.node.setAttribute('role', 'status');
  }

  protected render(): JSX.Element | null {
    const model = this.model;
    const trans = this._trans;
    const active = model.activeJobs;
    if (active.length === 0) {
      this.node.title = '';
      return null;
    }
    const running = active.find(entry => entry.state === 'running');
    const current = running ?? active[0];
    const what = packagesLabel(current.job.packages, trans);
    const verb = model.isWaiting(current.id)
      ? trans.__('apk: %1 queued', what)
      : current.job.action === 'undo'
        ? trans.__('apk: undoing the changes since the image')
        : current.job.action === 'remove'
          ? trans.__('apk: removing %1', what)
          : current.job.action === 'upgrade'
            ? trans.__('apk: upgrading %1', what)
            : trans.__('apk: installing %1', what);
    const waiting = active.length - 1;
    const text =
      waiting > 0
        ? trans._n('%2 (+%1 waiting)', '%2 (+%1 waiting)', waiting, verb)
        : verb;
    this.node.title = trans.__('Show the apk jobs');
    return (
      <GroupItem
        spacing={4}
        onClick={this._onClick ?? undefined}
        style={this._onClick ? { cursor: 'pointer' } : undefined}
      >
        <TextItem source={text} />
        {running && (
          <ProgressBar
            percentage={Math.round(running.progress * 100)}
            width={60}
          />
        )}
      </GroupItem>
    );
  }

  private _onClick: (() => void) | null;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `JobsStatus` statics.
 */
export namespace JobsStatus {
  /**
   * The options to create the item.
   */
  export interface IOptions {
    /**
     * The jobs model shown.
     */
    model: JobsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * Called when the item is clicked (to show the jobs).
     */
    onClick?: () => void;
  }
}

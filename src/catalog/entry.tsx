// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * One row of the package list, with its job actions or its job.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IPackage, JobAction } from '../api';
import { JobsModel } from '../jobs/model';
import {
  ACTION_CLASS,
  ACTIVE_MOD,
  CHECKED_MOD,
  ENTRY_ACTIONS_CLASS,
  ENTRY_CLASS,
  ENTRY_DESCRIPTION_CLASS,
  ENTRY_HEADER_CLASS,
  ENTRY_INSTALLED_CLASS,
  ENTRY_JOB_CLASS,
  ENTRY_LINE_CLASS,
  ENTRY_NAME_CLASS,
  ENTRY_SIZE_CLASS,
  ENTRY_VERSION_CLASS,
  INDETERMINATE_MOD,
  INSTALLED_BADGE_CLASS,
  INSTALLED_MOD,
  INSTALLING_MOD,
  INSTALL_CLASS,
  JOB_STATE_CLASS,
  PROGRESS_BAR_CLASS,
  PROGRESS_CLASS,
  REMOVE_CLASS,
  SELECTED_MOD,
  SELECT_CLASS,
  UPGRADABLE_MOD,
  UPGRADE_CLASS
} from './classes';
import { formatBytes } from './format';

/**
 * One row of the package list.
 */
export function PackageEntry(props: PackageEntry.IProperties): JSX.Element {
  const { pkg, active, selected, onClick, trans } = props;
  const job = props.job ?? null;
  const actions = props.actions ?? null;
  const installed = pkg.installed_version !== null;
  const classes = [ENTRY_CLASS];
  if (job) {
    classes.push(INSTALLING_MOD);
  }
  if (actions?.checked) {
    classes.push(CHECKED_MOD);
  }
  if (pkg.installed_version !== null) {
    classes.push(INSTALLED_MOD);
  }
  if (pkg.upgradable) {
    classes.push(UPGRADABLE_MOD);
  }
  if (selected) {
    classes.push(SELECTED_MOD);
  }
  if (active) {
    classes.push(ACTIVE_MOD);
  }
  return (
    <li
      id={PackageEntry.entryId(pkg.name)}
      className={classes.join(' ')}
      data-package={pkg.name}
      data-installed-version={pkg.installed_version ?? undefined}
      role="option"
      aria-selected={selected}
      aria-busy={job !== null}
      title={pkg.description}
      onClick={onClick}
    >
      <div className={ENTRY_HEADER_CLASS}>
        {actions && (
          <input
            type="checkbox"
            className={SELECT_CLASS}
            checked={actions.checked}
            disabled={installed && !actions.checked}
            title={
              installed
                ? trans.__('%1 is installed', pkg.name)
                : trans.__('Select %1 to install it with others', pkg.name)
            }
            aria-label={trans.__('Select %1', pkg.name)}
            onClick={Private.stopPropagation}
            onChange={event => actions.onCheck(event.currentTarget.checked)}
          />
        )}
        <span className={ENTRY_NAME_CLASS}>{pkg.name}</span>
        <span className={ENTRY_VERSION_CLASS}>{pkg.version}</span>
        <span className={ENTRY_SIZE_CLASS} title={trans.__('Download size')}>
          {formatBytes(pkg.size)}
        </span>
      </div>
      <div className={ENTRY_LINE_CLASS}>
        {pkg.installed_version !== null && (
          <span
            className={`${ENTRY_INSTALLED_CLASS} ${INSTALLED_BADGE_CLASS}`}
            title={
              pkg.upgradable
                ? trans.__(
                    'Version %1 is installed; %2 is available',
                    pkg.installed_version,
                    pkg.version
                  )
                : trans.__('Version %1 is installed', pkg.installed_version)
            }
          >
            {pkg.upgradable
              ? trans.__('%1 installed', pkg.installed_version)
              : trans.__('installed')}
          </span>
        )}
        <span className={ENTRY_DESCRIPTION_CLASS}>{pkg.description}</span>
        {job ? (
          <EntryJob entry={job} trans={trans} />
        ) : (
          actions && <EntryActions pkg={pkg} actions={actions} trans={trans} />
        )}
      </div>
    </li>
  );
}

/**
 * The namespace for `PackageEntry` statics.
 */
export namespace PackageEntry {
  /**
   * The DOM id of a package row (for `aria-activedescendant`).
   */
  export function entryId(name: string): string {
    // apk names never contain white space, the only characters an id cannot hold.
    return `jp-ApkPanel-entry-${name}`;
  }

  /**
   * The properties of a package row.
   */
  export interface IProperties {
    /**
     * The package to show.
     */
    pkg: IPackage;
    /**
     * Whether the keyboard is on this row.
     */
    active: boolean;
    /**
     * Whether this row's details are shown.
     */
    selected: boolean;
    /**
     * Called when the row is clicked.
     */
    onClick: () => void;
    /**
     * The queued or running job on this package, if any.
     */
    job?: JobsModel.IEntry | null;
    /**
     * The row's job actions; none without.
     */
    actions?: IActions | null;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }

  /**
   * The job actions of a row.
   */
  export interface IActions {
    /**
     * Whether the row is checked for a job on several packages.
     */
    checked: boolean;
    /**
     * Whether the administrator allows removals.
     */
    allowRemove: boolean;
    /**
     * Called when the row's checkbox changes.
     */
    onCheck: (checked: boolean) => void;
    /**
     * Called with the job asked for on this package.
     */
    onAction: (action: JobAction) => void;
  }
}

/**
 * A row's buttons: Install when not installed, Upgrade when upgradable,
 * Remove when installed and allowed.
 */
function EntryActions(props: {
  pkg: IPackage;
  actions: PackageEntry.IActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { pkg, actions, trans } = props;
  const installed = pkg.installed_version !== null;
  const button = (
    action: JobAction,
    className: string,
    label: string,
    title: string
  ) => (
    <button
      className={`${ACTION_CLASS} ${className}`}
      title={title}
      onClick={event => {
        event.stopPropagation();
        actions.onAction(action);
      }}
    >
      {label}
    </button>
  );
  return (
    <span className={ENTRY_ACTIONS_CLASS}>
      {!installed &&
        button(
          'install',
          INSTALL_CLASS,
          trans.__('Install'),
          trans.__('Install %1 %2', pkg.name, pkg.version)
        )}
      {installed &&
        pkg.upgradable &&
        button(
          'upgrade',
          UPGRADE_CLASS,
          trans.__('Upgrade'),
          trans.__(
            'Upgrade %1 from %2 to %3',
            pkg.name,
            pkg.installed_version ?? '',
            pkg.version
          )
        )}
      {installed &&
        actions.allowRemove &&
        button(
          'remove',
          REMOVE_CLASS,
          trans.__('Remove'),
          trans.__('Remove %1', pkg.name)
        )}
    </span>
  );
}

/**
 * The progress of the job on a row's package.
 */
function EntryJob(props: {
  entry: JobsModel.IEntry;
  trans: TranslationBundle;
}): JSX.Element {
  const { entry, trans } = props;
  const percent = Math.round(entry.progress * 100);
  const running = entry.state === 'running';
  let label: string;
  if (entry.job.preview) {
    label = trans.__('checking…');
  } else if (!running) {
    label = trans.__('queued');
  } else if (percent === 0) {
    // apk is still working out the plan, or waiting for its lock.
    label =
      entry.job.action === 'remove'
        ? trans.__('removing…')
        : entry.job.action === 'upgrade'
          ? trans.__('upgrading…')
          : trans.__('installing…');
  } else if (entry.job.action === 'remove') {
    label = trans.__('removing %1%', percent);
  } else if (entry.job.action === 'upgrade') {
    label = trans.__('upgrading %1%', percent);
  } else {
    label = trans.__('installing %1%', percent);
  }
  const determinate = running && !entry.job.preview && percent > 0;
  return (
    <span className={ENTRY_JOB_CLASS}>
      <span
        className={`${PROGRESS_CLASS}${determinate ? '' : ` ${INDETERMINATE_MOD}`}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={determinate ? percent : undefined}
      >
        <span
          className={PROGRESS_BAR_CLASS}
          style={{ width: `${determinate ? percent : 0}%` }}
        />
      </span>
      <span className={JOB_STATE_CLASS}>{label}</span>
    </span>
  );
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Keep a click on a control inside a row from selecting the row.
   */
  export function stopPropagation(event: React.SyntheticEvent): void {
    event.stopPropagation();
  }
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The dialogs of the install queue: the confirmation that shows a job's plan,
 * the explanation of a plan that cannot be carried out, and a job's log.
 */

import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { describeRequestError, IJobPlan, IPlanStep, JobKind } from '../api';
import { formatBytes } from '../catalog/format';
import { JobsModel } from './model';

/**
 * CSS classes. Tests (jest and Galata) select on these: keep them stable.
 */
const PLAN_CLASS = 'jp-ApkPlan';
const PLAN_SUMMARY_CLASS = 'jp-ApkPlan-summary';
const PLAN_TABLE_CLASS = 'jp-ApkPlan-table';
const PLAN_STEP_CLASS = 'jp-ApkPlan-step';
const PLAN_ACTION_CLASS = 'jp-ApkPlan-action';
const PLAN_NAME_CLASS = 'jp-ApkPlan-name';
const PLAN_VERSION_CLASS = 'jp-ApkPlan-version';
const PLAN_SIZES_CLASS = 'jp-ApkPlan-sizes';
const PLAN_NOTE_CLASS = 'jp-ApkPlan-note';
const PLAN_EMPTY_CLASS = 'jp-ApkPlan-empty';
const PLAN_ERROR_CLASS = 'jp-ApkPlan-error';
const LOG_DIALOG_CLASS = 'jp-ApkJobs-logDialog';
const LOG_CLASS = 'jp-ApkJobs-log';
const LOG_ERROR_CLASS = 'jp-ApkJobs-logError';
const COPY_LOG_CLASS = 'jp-ApkJobs-copyLog';

/**
 * Plan actions that take something away: their confirmation is a warning.
 */
const DESTRUCTIVE_ACTIONS = new Set(['remove', 'downgrade', 'replace']);

/**
 * Label a list of package names, shortened after a few.
 *
 * @returns e.g. `py3-a`, `py3-a, py3-b`, `py3-a, py3-b, py3-c and 2 more`.
 */
export function packagesLabel(
  packages: ReadonlyArray<string>,
  trans: TranslationBundle
): string {
  const shown = 3;
  if (packages.length <= shown + 1) {
    return packages.join(', ');
  }
  return trans.__(
    '%1 and %2 more',
    packages.slice(0, shown).join(', '),
    packages.length - shown
  );
}

/**
 * A job's verb, for titles and buttons ("Install").
 */
export function actionLabel(action: JobKind, trans: TranslationBundle): string {
  switch (action) {
    case 'undo':
      return trans.__('Undo');
    case 'install':
      return trans.__('Install');
    case 'upgrade':
      return trans.__('Upgrade');
    case 'remove':
      return trans.__('Remove');
    default:
      return action;
  }
}

/**
 * What a job request does, for titles and messages: "Install py3-a, py3-b";
 * an undo names what it undoes, as its packages come from the server.
 */
export function requestLabel(
  action: JobKind,
  packages: ReadonlyArray<string>,
  trans: TranslationBundle
): string {
  if (action === 'undo') {
    return trans.__('Undo changes since the image');
  }
  return trans.__(
    '%1 %2',
    actionLabel(action, trans),
    packagesLabel(packages, trans)
  );
}

/**
 * Whether a plan takes anything away (its confirmation is then a warning).
 */
export function isDestructive(plan: IJobPlan): boolean {
  return plan.steps.some(step => DESTRUCTIVE_ACTIONS.has(step.action));
}

/**
 * The body of the confirmation: what apk will add, upgrade or remove, and sizes.
 */
export function PlanTable(props: PlanTable.IProperties): JSX.Element {
  const { plan, note, trans } = props;
  const counts = new Map<string, number>();
  for (const step of plan.steps) {
    counts.set(step.action, (counts.get(step.action) ?? 0) + 1);
  }
  const summary = Array.from(counts.entries())
    .map(([action, count]) => Private.countLabel(action, count, trans))
    .join(', ');
  const adds = plan.steps.some(step => !DESTRUCTIVE_ACTIONS.has(step.action));
  return (
    <div className={PLAN_CLASS}>
      {plan.steps.length === 0 ? (
        <p className={PLAN_EMPTY_CLASS}>
          {trans.__(
            'apk has nothing to change: the packages are installed and up to date.'
          )}
        </p>
      ) : (
        <>
          <p className={PLAN_SUMMARY_CLASS}>
            {trans.__('apk will %1.', summary)}
          </p>
          <table className={PLAN_TABLE_CLASS}>
            <thead>
              <tr>
                <th>{trans.__('Action')}</th>
                <th>{trans.__('Package')}</th>
                <th>{trans.__('Version')}</th>
              </tr>
            </thead>
            <tbody>
              {plan.steps.map(step => (
                <PlanStep
                  key={`${step.action}:${step.name}`}
                  step={step}
                  trans={trans}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
      {adds && (plan.download_size > 0 || plan.installed_size > 0) && (
        <p className={PLAN_SIZES_CLASS}>
          {trans.__(
            'Download: %1 · Installed size: %2',
            formatBytes(plan.download_size),
            formatBytes(plan.installed_size)
          )}
        </p>
      )}
      {note && <p className={PLAN_NOTE_CLASS}>{note}</p>}
    </div>
  );
}

/**
 * The namespace for `PlanTable` statics.
 */
export namespace PlanTable {
  /**
   * The properties of a plan table.
   */
  export interface IProperties {
    /**
     * The plan to show.
     */
    plan: IJobPlan;
    /**
     * A remark under the table, if any.
     */
    note?: string;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * One row of the plan table.
 */
function PlanStep(props: {
  step: IPlanStep;
  trans: TranslationBundle;
}): JSX.Element {
  const { step, trans } = props;
  return (
    <tr
      className={`${PLAN_STEP_CLASS} jp-mod-${step.action}`}
      data-package={step.name}
      data-action={step.action}
    >
      <td className={PLAN_ACTION_CLASS}>
        {Private.stepLabel(step.action, trans)}
      </td>
      <td className={PLAN_NAME_CLASS}>{step.name}</td>
      <td className={PLAN_VERSION_CLASS}>
        {step.old_version
          ? trans.__('%1 → %2', step.old_version, step.version)
          : step.version}
      </td>
    </tr>
  );
}

/**
 * Ask the user to confirm a job, showing its plan.
 *
 * #### Notes
 * The accept button is a warning when the plan removes, downgrades or replaces
 * anything.
 *
 * @returns Whether the user accepted.
 */
export async function showPlanDialog(
  options: showPlanDialog.IOptions
): Promise<boolean> {
  const { action, packages, plan, note, trans } = options;
  const label = actionLabel(action, trans);
  const accept = isDestructive(plan)
    ? Dialog.warnButton({ label })
    : Dialog.okButton({ label });
  const result = await Private.show({
    title: trans.__('%1?', requestLabel(action, packages, trans)),
    body: <PlanTable plan={plan} note={note} trans={trans} />,
    buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), accept]
  });
  return result?.button.accept ?? false;
}

/**
 * The namespace for `showPlanDialog` statics.
 */
export namespace showPlanDialog {
  /**
   * The options of the confirmation.
   */
  export interface IOptions {
    /**
     * What the job does.
     */
    action: JobKind;
    /**
     * The packages requested.
     */
    packages: ReadonlyArray<string>;
    /**
     * What apk will do.
     */
    plan: IJobPlan;
    /**
     * A remark under the plan, if any.
     */
    note?: string;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * Say that a job would change nothing, and why; there is nothing to confirm.
 */
export async function showNothingToDoDialog(
  options: showNothingToDoDialog.IOptions
): Promise<void> {
  const { title, message, trans } = options;
  await Private.show({
    title,
    body: (
      <div className={`${PLAN_CLASS} jp-mod-nothing`}>
        <p className={PLAN_EMPTY_CLASS}>{message}</p>
      </div>
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

/**
 * The namespace for `showNothingToDoDialog` statics.
 */
export namespace showNothingToDoDialog {
  /**
   * The options of the dialog.
   */
  export interface IOptions {
    /**
     * The dialog's title.
     */
    title: string;
    /**
     * What would happen, and why.
     */
    message: string;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * Say why a job cannot be carried out, from its failed preview.
 */
export async function showPlanFailedDialog(
  entry: JobsModel.IEntry,
  trans: TranslationBundle
): Promise<void> {
  const { job } = entry;
  const label = actionLabel(job.action, trans);
  const reason =
    entry.state === 'unknown'
      ? (entry.connectionError ?? trans.__('The server did not answer.'))
      : (job.error ??
        trans.__('apk could not work out a plan (state: %1).', entry.state));
  await Private.show({
    title: trans.__(
      'Cannot %1 %2',
      label.toLowerCase(),
      packagesLabel(job.packages, trans)
    ),
    body: (
      <div className={`${PLAN_CLASS} jp-mod-failed`}>
        <p className={PLAN_ERROR_CLASS} role="alert">
          {reason}
        </p>
        {job.log && <pre className={LOG_CLASS}>{job.log}</pre>}
      </div>
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

/**
 * Show a job's log (the whole of it, fetched first if needed), kept current
 * while the job runs.
 */
export async function showLogDialog(
  model: JobsModel,
  id: string,
  trans: TranslationBundle
): Promise<void> {
  const entry = model.get(id);
  if (!entry) {
    return;
  }
  let loadError: string | null = null;
  try {
    await model.loadLog(id);
  } catch (reason) {
    loadError = describeRequestError(reason, trans);
  }
  await Private.show({
    title: trans.__(
      'apk log: %1 %2',
      actionLabel(entry.job.action, trans),
      packagesLabel(entry.job.packages, trans)
    ),
    body: (
      <div className={LOG_DIALOG_CLASS}>
        <UseSignal signal={model.stateChanged}>
          {() => {
            const current = model.get(id) ?? entry;
            const error = current.job.error ?? current.connectionError;
            return (
              <>
                {error && (
                  <p className={LOG_ERROR_CLASS} role="alert">
                    {error}
                  </p>
                )}
                {loadError && (
                  <p className={LOG_ERROR_CLASS} role="alert">
                    {trans.__('The log could not be fetched: %1', loadError)}
                  </p>
                )}
                <pre className={LOG_CLASS}>
                  {current.job.log || trans.__('apk printed nothing.')}
                </pre>
                {current.job.log && (
                  <button
                    className={`${COPY_LOG_CLASS} jp-Button jp-mod-styled jp-mod-reject`}
                    onClick={() => Clipboard.copyToSystem(current.job.log)}
                  >
                    {trans.__('Copy log')}
                  </button>
                )}
              </>
            );
          }}
        </UseSignal>
      </div>
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Show a dialog; `null` when it was closed without an answer (a dialog
   * disposed from outside rejects).
   */
  export async function show(
    options: Partial<Dialog.IOptions<unknown>>
  ): Promise<Dialog.IResult<unknown> | null> {
    try {
      return await showDialog(options);
    } catch {
      return null;
    }
  }

  /**
   * A plan step's action, for the table.
   */
  export function stepLabel(action: string, trans: TranslationBundle): string {
    switch (action) {
      case 'install':
        return trans.__('install');
      case 'upgrade':
        return trans.__('upgrade');
      case 'downgrade':
        return trans.__('downgrade');
      case 'reinstall':
        return trans.__('reinstall');
      case 'replace':
        return trans.__('replace');
      case 'remove':
        return trans.__('remove');
      default:
        return action;
    }
  }

  /**
   * "install 2 packages", for the plan's summary.
   */
  export function countLabel(
    action: string,
    count: number,
    trans: TranslationBundle
  ): string {
    switch (action) {
      case 'install':
        return trans._n('install %1 package', 'install %1 packages', count);
      case 'upgrade':
        return trans._n('upgrade %1 package', 'upgrade %1 packages', count);
      case 'downgrade':
        return trans._n('downgrade %1 package', 'downgrade %1 packages', count);
      case 'reinstall':
        return trans._n('reinstall %1 package', 'reinstall %1 packages', count);
      case 'replace':
        return trans._n('replace %1 package', 'replace %1 packages', count);
      case 'remove':
        return trans._n('remove %1 package', 'remove %1 packages', count);
      default:
        return `${action} ${count}`;
    }
  }
}

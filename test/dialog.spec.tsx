// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { Dialog } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { IJobPlan, JobAction } from '../src/api';
import {
  isDestructive,
  packagesLabel,
  PlanTable,
  showLogDialog,
  showPlanDialog
} from '../src/jobs/dialog';
import { JobsModel } from '../src/jobs/model';
import { FakeJobServer, jobPlan, waitFor } from './utils';

const trans = nullTranslator.load('jupyterlab_apk');

const PLAN: IJobPlan = jobPlan(
  [
    ['install', 'py3-wcwidth', '0.9.4-r0', null],
    ['upgrade', 'py3-prettytable', '3.18.0-r0', '3.17.0-r0']
  ],
  { download_size: 321660, installed_size: 1846662 }
);

/**
 * A removal's plan, as the server's dry run gives it.
 */
const REMOVAL: IJobPlan = jobPlan([['remove', 'py3-a', '1.0-r0', null]]);

/**
 * Render a React element in an attached widget.
 */
async function render(element: React.ReactElement): Promise<HTMLElement> {
  const widget = ReactWidget.create(element);
  Widget.attach(widget, document.body);
  widget.update();
  await widget.renderPromise;
  return widget.node;
}

/**
 * The dialog on screen, once its body (React, rendered asynchronously) holds `inner`.
 */
async function dialogNode(inner = '.jp-ApkPlan'): Promise<HTMLElement> {
  await waitFor(() => document.querySelector(`.jp-Dialog ${inner}`) !== null);
  return document.querySelector<HTMLElement>('.jp-Dialog')!;
}

describe('PlanTable', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists each step with its action, package and versions, and the sizes', async () => {
    const node = await render(<PlanTable plan={PLAN} trans={trans} />);
    const steps = Array.from(
      node.querySelectorAll<HTMLElement>('.jp-ApkPlan .jp-ApkPlan-step')
    );
    expect(steps.map(step => step.dataset.package)).toEqual([
      'py3-wcwidth',
      'py3-prettytable'
    ]);
    expect(steps.map(step => step.dataset.action)).toEqual([
      'install',
      'upgrade'
    ]);
    expect(steps[0].textContent).toContain('0.9.4-r0');
    expect(steps[1].querySelector('.jp-ApkPlan-version')!.textContent).toBe(
      '3.17.0-r0 → 3.18.0-r0'
    );
    expect(node.querySelector('.jp-ApkPlan-summary')!.textContent).toBe(
      'apk will install 1 package, upgrade 1 package.'
    );
    expect(node.querySelector('.jp-ApkPlan-sizes')!.textContent).toBe(
      'Download: 314 KiB · Installed size: 1.8 MiB'
    );
  });

  it('says when there is nothing to do', async () => {
    const node = await render(
      <PlanTable
        plan={{ steps: [], download_size: 0, installed_size: 0 }}
        trans={trans}
      />
    );
    expect(node.querySelector('.jp-ApkPlan-step')).toBeNull();
    expect(node.querySelector('.jp-ApkPlan-empty')).not.toBeNull();
    expect(node.querySelector('.jp-ApkPlan-sizes')).toBeNull();
  });

  it('shows a removal without sizes, with its note', async () => {
    const plan = REMOVAL;
    expect(isDestructive(plan)).toBe(true);
    expect(isDestructive(PLAN)).toBe(false);
    const node = await render(
      <PlanTable plan={plan} note="dependencies go too" trans={trans} />
    );
    const step = node.querySelector<HTMLElement>('.jp-ApkPlan-step')!;
    expect(step.dataset.action).toBe('remove');
    expect(step.classList).toContain('jp-mod-remove');
    expect(node.querySelector('.jp-ApkPlan-sizes')).toBeNull();
    expect(node.querySelector('.jp-ApkPlan-note')!.textContent).toBe(
      'dependencies go too'
    );
  });
});

describe('packagesLabel', () => {
  it('shortens long lists', () => {
    expect(packagesLabel(['a'], trans)).toBe('a');
    expect(packagesLabel(['a', 'b', 'c', 'd'], trans)).toBe('a, b, c, d');
    expect(packagesLabel(['a', 'b', 'c', 'd', 'e'], trans)).toBe(
      'a, b, c and 2 more'
    );
  });
});

describe('showPlanDialog', () => {
  afterEach(() => {
    Dialog.flush();
    document.body.innerHTML = '';
  });

  /**
   * Open the plan dialog of `action` on `name`: the user's answer, and the
   * dialog's node.
   */
  async function openPlanDialog(
    action: JobAction,
    name: string,
    plan: IJobPlan
  ): Promise<{ result: Promise<boolean>; dialog: HTMLElement }> {
    const result = showPlanDialog({ action, packages: [name], plan, trans });
    return { result, dialog: await dialogNode() };
  }

  it('shows the plan and resolves true when accepted', async () => {
    const { result, dialog } = await openPlanDialog(
      'install',
      'py3-prettytable',
      PLAN
    );
    // The dialog's header renders a moment after its body.
    await waitFor(() =>
      (dialog.textContent ?? '').includes('Install py3-prettytable?')
    );
    expect(
      dialog.querySelectorAll('.jp-ApkPlan .jp-ApkPlan-step[data-package]')
    ).toHaveLength(2);
    const accept = dialog.querySelector<HTMLButtonElement>(
      'button.jp-mod-accept'
    )!;
    expect(accept.textContent).toContain('Install');
    accept.click();
    await expect(result).resolves.toBe(true);
  });

  it('resolves false when cancelled', async () => {
    const { result, dialog } = await openPlanDialog(
      'install',
      'py3-prettytable',
      PLAN
    );
    dialog.querySelector<HTMLButtonElement>('button.jp-mod-reject')!.click();
    await expect(result).resolves.toBe(false);
  });

  it('asks for a removal with a warning button', async () => {
    const { result, dialog } = await openPlanDialog('remove', 'py3-a', REMOVAL);
    const warn = dialog.querySelector<HTMLButtonElement>('button.jp-mod-warn')!;
    expect(warn.textContent).toContain('Remove');
    warn.click();
    await expect(result).resolves.toBe(true);
  });
});

describe('showLogDialog', () => {
  afterEach(() => {
    Dialog.flush();
    document.body.innerHTML = '';
  });

  it("fetches a restored job's log and shows it with the error", async () => {
    const server = new FakeJobServer();
    const job = server.add({
      action: 'install',
      packages: ['py3-a'],
      state: 'failed',
      error: 'Another apk process holds the package database lock.',
      log: 'ERROR: Unable to lock database\n'
    });
    const model = new JobsModel({ serverSettings: server.settings });
    await model.restore();
    const shown = showLogDialog(model, job.id, trans);
    const dialog = await dialogNode('.jp-ApkJobs-logDialog');
    await waitFor(() =>
      (dialog.querySelector('.jp-ApkJobs-log')?.textContent ?? '').includes(
        'Unable to lock database'
      )
    );
    expect(dialog.querySelector('.jp-ApkJobs-logError')!.textContent).toContain(
      'Another apk process'
    );
    dialog.querySelector<HTMLButtonElement>('button.jp-mod-accept')!.click();
    await shown;
    model.dispose();
  });
});

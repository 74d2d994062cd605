// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * What the user is told about jobs: notifications, the confirmation flow, the
 * kernel restart notice and the status bar item.
 */

import { Dialog, Notification } from '@jupyterlab/apputils';
import { KernelMessage, ServiceManager, Session } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IJob, JobAction } from '../src/api';
import { runJob } from '../src/jobs/actions';
import {
  changedPackages,
  importedModulesExpression,
  kernelsUsing,
  parseImportedModules
} from '../src/jobs/kernels';
import { JobsModel } from '../src/jobs/model';
import { JobNotifier } from '../src/jobs/notifications';
import { JobList } from '../src/jobs/panel';
import { JobsStatus } from '../src/jobs/statusbar';
import { FakeJobServer, finishedJob, jobPlan, sleep, waitFor } from './utils';

const trans = nullTranslator.load('jupyterlab_apk');

/**
 * An execute reply whose user expression evaluated to `text`.
 */
function reply(text: string): KernelMessage.IExecuteReplyMsg['content'] {
  return {
    status: 'ok',
    execution_count: 1,
    user_expressions: {
      jupyterlab_apk_imported: {
        status: 'ok',
        data: { 'text/plain': text },
        metadata: {}
      }
    },
    payload: []
  };
}

/**
 * A service manager with running sessions whose kernels answer as given
 * (`null`: never).
 */
function fakeServiceManager(
  sessions: { name: string; kernel: string; spec?: string }[],
  answers: Record<string, KernelMessage.IExecuteReplyMsg['content'] | null>
) {
  const requests: {
    kernel: string;
    content: KernelMessage.IExecuteRequestMsg['content'];
  }[] = [];
  const disposed: string[] = [];
  const restarted: string[] = [];
  const models = sessions.map(
    (session, index) =>
      ({
        id: `session-${index}`,
        name: session.name,
        path: `work/${session.name}`,
        type: 'notebook',
        kernel: { id: session.kernel, name: session.spec ?? 'python3' }
      }) as Session.IModel
  );
  const manager = {
    sessions: {
      running: () => models[Symbol.iterator](),
      refreshRunning: () => Promise.resolve()
    },
    kernelspecs: {
      ready: Promise.resolve(),
      specs: {
        default: 'python3',
        kernelspecs: {
          python3: { name: 'python3', language: 'python' },
          ir: { name: 'ir', language: 'R' }
        }
      }
    },
    kernels: {
      connectTo: ({ model }: { model: { id: string } }) => ({
        requestExecute: (
          content: KernelMessage.IExecuteRequestMsg['content']
        ) => {
          requests.push({ kernel: model.id, content });
          const answer = answers[model.id];
          return {
            done:
              answer === null
                ? new Promise(() => undefined)
                : Promise.resolve({ content: answer })
          };
        },
        restart: () => {
          restarted.push(model.id);
          return Promise.resolve();
        },
        dispose: () => disposed.push(model.id)
      })
    }
  } as unknown as ServiceManager.IManager;
  return { manager, requests, disposed, restarted };
}

describe('changedPackages', () => {
  it('keeps upgrades and removals, and leaves fresh installs out', () => {
    const job = finishedJob({
      plan: jobPlan([
        ['install', 'py3-wcwidth', '0.9.4-r0', null],
        ['upgrade', 'py3-prettytable', '3.18.0-r0', '3.17.0-r0']
      ]),
      installed: ['py3-prettytable-3.18.0-r0', 'py3-wcwidth-0.9.4-r0']
    });
    expect(changedPackages(job)).toEqual(['py3-prettytable']);
    expect(
      changedPackages(
        finishedJob({
          action: 'remove',
          installed: ['py3-tabulate (removed)', 'py3-wcwidth (removed)']
        })
      )
    ).toEqual(['py3-tabulate', 'py3-wcwidth']);
  });

  it('counts a reinstall, which changes no version', () => {
    const job = finishedJob({
      plan: jobPlan([['reinstall', 'py3-a', '1.0-r0', null]])
    });
    expect(changedPackages(job)).toEqual(['py3-a']);
  });
});

describe('the kernel question', () => {
  it('asks only about module names, as a Python expression', () => {
    expect(importedModulesExpression(['tabulate', 'a.b', 'x; import os'])).toBe(
      `','.join(sorted(m for m in ["tabulate","a.b"] if m in __import__('sys').modules))`
    );
  });

  it('reads the answer from the reply', () => {
    expect(parseImportedModules(reply("'tabulate,wcwidth'"))).toEqual([
      'tabulate',
      'wcwidth'
    ]);
    expect(parseImportedModules(reply("''"))).toEqual([]);
    expect(parseImportedModules(reply('garbage'))).toBeNull();
    expect(
      parseImportedModules({
        status: 'error',
        execution_count: 1,
        ename: 'NameError',
        evalue: '',
        traceback: []
      })
    ).toBeNull();
  });
});

describe('kernelsUsing', () => {
  it('asks each running Python kernel, silently, and keeps those that imported a module', async () => {
    const { manager, requests, disposed } = fakeServiceManager(
      [
        { name: 'a.ipynb', kernel: 'k1' },
        { name: 'b.ipynb', kernel: 'k2' },
        { name: 'r.ipynb', kernel: 'k3', spec: 'ir' }
      ],
      { k1: reply("'tabulate'"), k2: reply("''") }
    );
    const uses = await kernelsUsing(manager, ['tabulate']);
    expect(uses).toEqual([
      {
        name: 'a.ipynb',
        path: 'work/a.ipynb',
        modules: ['tabulate'],
        kernel: { id: 'k1', name: 'python3' }
      }
    ]);
    expect(requests.map(request => request.kernel)).toEqual(['k1', 'k2']);
    const content = requests[0].content;
    expect(content.code).toBe('');
    expect(content.silent).toBe(true);
    expect(content.store_history).toBe(false);
    expect(Object.keys(content.user_expressions ?? {})).toEqual([
      'jupyterlab_apk_imported'
    ]);
    expect(disposed.sort()).toEqual(['k1', 'k2']);
  });

  it('counts a kernel that does not answer in time as possibly affected', async () => {
    const { manager, disposed } = fakeServiceManager(
      [{ name: 'busy.ipynb', kernel: 'k1' }],
      { k1: null }
    );
    const uses = await kernelsUsing(manager, ['tabulate'], 20);
    expect(uses).toEqual([
      {
        name: 'busy.ipynb',
        path: 'work/busy.ipynb',
        modules: null,
        kernel: { id: 'k1', name: 'python3' }
      }
    ]);
    expect(disposed).toEqual(['k1']);
  });

  it('asks nothing when there are no modules', async () => {
    const { manager, requests } = fakeServiceManager(
      [{ name: 'a.ipynb', kernel: 'k1' }],
      { k1: reply("'tabulate'") }
    );
    expect(await kernelsUsing(manager, [])).toEqual([]);
    expect(requests).toHaveLength(0);
  });
});

describe('JobNotifier', () => {
  let server: FakeJobServer;
  let model: JobsModel;
  let notifier: JobNotifier;

  function notification(jobId: string): Notification.INotification {
    const id = notifier.notificationId(jobId);
    return Notification.manager.notifications.find(item => item.id === id)!;
  }

  /**
   * Submit a job, end it on the server with `fields`, and wait until its
   * notification is of `type`; the job's id.
   */
  async function endJob(
    action: JobAction,
    packages: string[],
    fields: Partial<IJob>,
    type: Notification.TypeOptions
  ): Promise<string> {
    const { id } = await model.submit(action, packages);
    await server.updateWhenHeld(id, fields);
    await waitFor(() => notification(id).type === type);
    return id;
  }

  beforeEach(() => {
    Notification.dismiss();
    server = new FakeJobServer();
    model = new JobsModel({
      serverSettings: server.settings,
      retryDelays: [5]
    });
  });

  afterEach(() => {
    notifier?.dispose();
    model.dispose();
    Notification.dismiss();
    Dialog.flush();
  });

  it('shows a job in progress, then its success with "Show log"', async () => {
    notifier = new JobNotifier({ model, trans });
    const { id } = await model.submit('install', ['py3-tabulate']);
    expect(notification(id).type).toBe('in-progress');
    expect(notification(id).options.autoClose).toBe(false);
    expect(notification(id).message).toContain('py3-tabulate');

    await server.updateWhenHeld(id, { state: 'running', progress: 0.5 });
    await waitFor(() => notification(id).options.progress === 0.5);
    expect(notification(id).message).toBe('Installing py3-tabulate…');

    await server.updateWhenHeld(
      id,
      { state: 'done', progress: 1, installed: ['py3-tabulate-0.10.0-r0'] },
      'OK: 1 MiB in 1 packages\n'
    );
    await waitFor(() => notification(id).type === 'success');
    expect(notification(id).message).toBe('Installed py3-tabulate.');
    // The end takes the place of the progress notification: one per job.
    expect(
      Notification.manager.notifications.map(item => item.message)
    ).toEqual(['Installed py3-tabulate.']);
    const [action] = notification(id).options.actions!;
    expect(action.label).toBe('Show log');

    // "Show log" opens the log and keeps the notification.
    const event = new MouseEvent('click', { cancelable: true });
    action.callback(event);
    expect(event.defaultPrevented).toBe(true);
    await waitFor(() =>
      (
        document.querySelector('.jp-Dialog .jp-ApkJobs-log')?.textContent ?? ''
      ).includes('OK: 1 MiB')
    );
  });

  it.each<
    [string, JobAction, string, Partial<IJob>, string, string, number | false]
  >([
    [
      'names the dependencies a job installed too',
      'install',
      'py3-prettytable',
      {
        state: 'done',
        installed: ['py3-prettytable-3.17.0-r0', 'py3-wcwidth-0.2.13-r1']
      },
      'success',
      'Installed py3-prettytable (and 1 dependency: py3-wcwidth).',
      5000
    ],
    [
      'names the packages a removal took away too',
      'remove',
      'py3-prettytable',
      {
        state: 'done',
        installed: ['py3-prettytable (removed)', 'py3-wcwidth (removed)']
      },
      'success',
      'Removed py3-prettytable (and 1 package no longer needed: py3-wcwidth).',
      5000
    ],
    [
      'warns, and stays, when a removal removed nothing',
      'remove',
      'py3-wcwidth',
      {
        state: 'done',
        installed: [],
        warnings: ['py3-wcwidth is needed by py3-prettytable']
      },
      'warning',
      'Nothing was removed: py3-wcwidth is needed by py3-prettytable.',
      false
    ],
    [
      'warns, and stays, about a removal that kept its package even without server warnings',
      'remove',
      'py3-wcwidth',
      { state: 'done', installed: [] },
      'warning',
      'Nothing was removed: apk kept py3-wcwidth.',
      false
    ]
  ])('%s', async (_, action, name, fields, type, message, autoClose) => {
    notifier = new JobNotifier({ model, trans });
    const id = await endJob(
      action,
      [name],
      fields,
      type as Notification.TypeOptions
    );
    expect(notification(id).message).toBe(message);
    expect(notification(id).options.autoClose).toBe(autoClose);
  });

  it('says a job waits for others only when another one is ahead of it', async () => {
    notifier = new JobNotifier({ model, trans });
    const first = await model.submit('install', ['py3-a']);
    expect(notification(first.id).message).toBe('Installing py3-a…');
    const second = await model.submit('install', ['py3-b']);
    expect(notification(second.id).message).toBe(
      'Waiting for other apk jobs: Installing py3-b'
    );
    await server.updateWhenHeld(first.id, {
      state: 'done',
      installed: ['py3-a-1.0-r0']
    });
    await waitFor(() => !model.isWaiting(second.id));
    await server.updateWhenHeld(second.id, { state: 'running', progress: 0.1 });
    await waitFor(
      () => notification(second.id).message === 'Installing py3-b…'
    );
  });

  it('ends as an error with the reason', async () => {
    notifier = new JobNotifier({ model, trans });
    const id = await endJob(
      'install',
      ['py3-termcolor'],
      {
        state: 'failed',
        error:
          'Another apk process kept the package database locked for the whole wait.'
      },
      'error'
    );
    expect(notification(id).message).toBe(
      'Installing py3-termcolor failed: Another apk process kept the package database locked for the whole wait.'
    );
    expect(notification(id).options.autoClose).toBe(false);
    expect(notification(id).options.actions!.map(a => a.label)).toEqual([
      'Show log'
    ]);
  });

  it('stops spinning when the server is gone, and offers to check again', async () => {
    notifier = new JobNotifier({ model, trans });
    const { id } = await model.submit('remove', ['py3-a']);
    server.down = true;
    await waitFor(() => notification(id).type === 'error');
    expect(notification(id).message).toContain('Lost track of: Removing py3-a');
    const check = notification(id).options.actions!.find(
      a => a.label === 'Check again'
    )!;
    server.down = false;
    check.callback(new MouseEvent('click'));
    await waitFor(() => notification(id).type === 'in-progress');
  });

  it('says nothing about previews', async () => {
    notifier = new JobNotifier({ model, trans });
    const count = Notification.manager.count;
    const preview = model.preview('install', ['py3-a']);
    await waitFor(() => model.activeJobFor('py3-a') !== null);
    const { id } = model.activeJobFor('py3-a')!;
    await server.updateWhenHeld(id, { state: 'done' });
    await preview;
    expect(Notification.manager.count).toBe(count);
  });

  it('tells which kernels imported a package that a job upgraded', async () => {
    const { manager, requests, restarted } = fakeServiceManager(
      [{ name: 'analysis.ipynb', kernel: 'k1' }],
      { k1: reply("'prettytable'") }
    );
    notifier = new JobNotifier({ model, trans, serviceManager: manager });
    // GET packages/<name> tells the package's modules.
    const fetch = server.settings.fetch;
    (server.settings as { fetch: typeof fetch }).fetch = input =>
      new URL((input as Request).url).pathname.includes('/packages/')
        ? Promise.resolve(
            new Response(
              JSON.stringify({
                name: 'py3-prettytable',
                modules: ['prettytable']
              })
            )
          )
        : fetch(input);
    await endJob(
      'upgrade',
      ['py3-prettytable'],
      {
        state: 'done',
        plan: jobPlan([
          ['upgrade', 'py3-prettytable', '3.18.0-r0', '3.17.0-r0']
        ]),
        installed: ['py3-prettytable-3.18.0-r0']
      },
      'success'
    );
    await notifier.kernelCheck;
    expect(requests).toHaveLength(1);
    const notice = Notification.manager.notifications.find(
      item => item.type === 'warning'
    )!;
    expect(notice.message).toBe(
      'Restart the kernel of analysis.ipynb: it imported prettytable before apk changed it.'
    );
    expect(notice.options.autoClose).toBe(false);
    const [restart] = notice.options.actions!;
    expect(restart.label).toBe('Restart kernel');
    restart.callback(new MouseEvent('click', { cancelable: true }));
    await waitFor(() => restarted.includes('k1'));
    expect(
      Notification.manager.notifications.find(item => item.id === notice.id)
    ).toBeUndefined();
  });

  it('asks no kernel after a fresh install', async () => {
    const { manager, requests } = fakeServiceManager(
      [{ name: 'analysis.ipynb', kernel: 'k1' }],
      { k1: reply("'tabulate'") }
    );
    notifier = new JobNotifier({ model, trans, serviceManager: manager });
    await endJob(
      'install',
      ['py3-tabulate'],
      {
        state: 'done',
        plan: jobPlan([['install', 'py3-tabulate', '0.10.0-r0', null]]),
        installed: ['py3-tabulate-0.10.0-r0']
      },
      'success'
    );
    await notifier.kernelCheck;
    expect(requests).toHaveLength(0);
    expect(
      Notification.manager.notifications.filter(item => item.type === 'warning')
    ).toHaveLength(0);
  });
});

describe('runJob', () => {
  let server: FakeJobServer;
  let model: JobsModel;

  beforeEach(() => {
    Notification.dismiss();
    server = new FakeJobServer();
    model = new JobsModel({ serverSettings: server.settings });
  });

  afterEach(() => {
    model.dispose();
    Dialog.flush();
    Notification.dismiss();
    document.body.innerHTML = '';
  });

  /**
   * Run a confirmed job on `name` and answer its preview with `fields`; the
   * run, still waiting for the user (wrapped, so that it is not awaited here).
   */
  async function runPreviewed(
    action: JobAction,
    name: string,
    fields: Partial<IJob>
  ): Promise<{ result: ReturnType<typeof runJob> }> {
    const result = runJob({
      model,
      action,
      packages: [name],
      confirm: true,
      trans
    });
    await waitFor(() => model.activeJobFor(name) !== null);
    await server.updateWhenHeld(model.activeJobFor(name)!.id, fields);
    return { result };
  }

  /**
   * Click the open dialog's accept, reject or warn button.
   */
  function click(button: 'accept' | 'reject' | 'warn'): void {
    document
      .querySelector<HTMLButtonElement>(`.jp-Dialog button.jp-mod-${button}`)!
      .click();
  }

  function posts(): Record<string, unknown>[] {
    return server.requests
      .filter(request => request.method === 'POST')
      .map(request => JSON.parse(request.body));
  }

  it('previews, shows the plan, and submits once accepted', async () => {
    const { result } = await runPreviewed('install', 'py3-a', {
      state: 'done',
      plan: jobPlan([['install', 'py3-a', '1.0-r0', null]], {
        download_size: 10,
        installed_size: 20
      })
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan') !== null
    );
    expect(
      document.querySelector('.jp-ApkPlan-step[data-package="py3-a"]')
    ).not.toBeNull();
    click('accept');
    const entry = await result;
    expect(entry!.job.preview).toBe(false);
    expect(posts().map(post => post.preview)).toEqual([true, false]);
  });

  it('submits nothing when the user cancels', async () => {
    const { result } = await runPreviewed('install', 'py3-a', {
      state: 'done',
      plan: { steps: [], download_size: 0, installed_size: 0 }
    });
    await waitFor(() => document.querySelector('.jp-Dialog') !== null);
    click('reject');
    expect(await result).toBeNull();
    expect(posts()).toHaveLength(1);
  });

  it('explains a plan that fails instead of asking', async () => {
    const { result } = await runPreviewed('install', 'py3-a', {
      state: 'failed',
      error: 'No repository has a package named py3-a.'
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan-error') !== null
    );
    expect(document.querySelector('.jp-ApkPlan-error')!.textContent).toBe(
      'No repository has a package named py3-a.'
    );
    click('accept');
    expect(await result).toBeNull();
    expect(posts()).toHaveLength(1);
  });

  it('confirms a removal with its dry run', async () => {
    const { result } = await runPreviewed('remove', 'py3-wcwidth', {
      state: 'done',
      plan: jobPlan([['remove', 'py3-wcwidth', '0.2.13-r1', null]])
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan-step') !== null
    );
    const step = document.querySelector<HTMLElement>('.jp-ApkPlan-step')!;
    expect(step.dataset.package).toBe('py3-wcwidth');
    expect(step.textContent).toContain('0.2.13-r1');
    click('warn');
    await result;
    expect(posts()).toEqual([
      { action: 'remove', packages: ['py3-wcwidth'], preview: true },
      { action: 'remove', packages: ['py3-wcwidth'], preview: false }
    ]);
  });

  it('says that a removal would remove nothing, and why, without offering it', async () => {
    const { result } = await runPreviewed('remove', 'py3-wcwidth', {
      state: 'done',
      plan: {
        steps: [],
        download_size: 0,
        installed_size: 0,
        kept: [{ package: 'py3-wcwidth', required_by: ['py3-prettytable'] }]
      }
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan-empty') !== null
    );
    expect(document.querySelector('.jp-ApkPlan-empty')!.textContent).toBe(
      'Nothing will be removed: py3-wcwidth is needed by py3-prettytable.'
    );
    expect(document.querySelector('.jp-Dialog button.jp-mod-warn')).toBeNull();
    click('accept');
    expect(await result).toBeNull();
    expect(posts()).toHaveLength(1);
  });

  it('says nothing will be removed even when the server does not say why', async () => {
    const { result } = await runPreviewed('remove', 'py3-wcwidth', {
      state: 'done',
      plan: { steps: [], download_size: 0, installed_size: 0 }
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan-empty') !== null
    );
    expect(document.querySelector('.jp-ApkPlan-empty')!.textContent).toBe(
      'Nothing will be removed: apk kept py3-wcwidth.'
    );
    click('accept');
    expect(await result).toBeNull();
  });

  it('submits at once without confirmation, and reports a refusal', async () => {
    server.postError = {
      status: 403,
      message: 'the administrator does not allow removing packages'
    };
    const entry = await runJob({
      model,
      action: 'remove',
      packages: ['py3-a'],
      confirm: false,
      trans
    });
    expect(entry).toBeNull();
    const error = Notification.manager.notifications.find(
      item => item.type === 'error'
    )!;
    expect(error.message).toContain(
      'the administrator does not allow removing packages'
    );
  });

  it('lets only a single install skip the confirmation', () => {
    expect(runJob.needsConfirmation('install', ['a'], false)).toBe(false);
    expect(runJob.needsConfirmation('install', ['a'], true)).toBe(true);
    expect(runJob.needsConfirmation('install', ['a', 'b'], false)).toBe(true);
    expect(runJob.needsConfirmation('upgrade', ['a'], false)).toBe(true);
    expect(runJob.needsConfirmation('remove', ['a'], false)).toBe(true);
  });
});

describe('JobList', () => {
  let server: FakeJobServer;
  let model: JobsModel;
  let list: JobList;

  beforeEach(() => {
    server = new FakeJobServer();
    model = new JobsModel({ serverSettings: server.settings });
    list = new JobList({ model, trans });
    Widget.attach(list, document.body);
  });

  afterEach(() => {
    list.dispose();
    model.dispose();
  });

  function job(id: string): HTMLElement | null {
    return list.node.querySelector<HTMLElement>(
      `.jp-ApkJobs-job[data-job="${id}"]`
    );
  }

  it('lists the jobs with their state, progress while running, and their log on demand', async () => {
    const failed = server.add({
      action: 'install',
      packages: ['py3-b'],
      state: 'failed',
      error: 'apk failed',
      log: 'ERROR: broken\n'
    });
    await model.restore();
    const { id } = await model.submit('install', ['py3-a']);
    await waitFor(() => job(id) !== null);
    expect(job(id)!.dataset.state).toBe('queued');
    expect(job(id)!.querySelector('.jp-ApkJobs-progress')).not.toBeNull();
    expect(job(id)!.querySelector('.jp-ApkJobs-cancel')).not.toBeNull();
    const states = Array.from(
      list.node.querySelectorAll<HTMLElement>('.jp-ApkJobs-job')
    ).map(node => node.dataset.state);
    expect(states).toEqual(['queued', 'failed']);
    expect(
      job(failed.id)!.querySelector('.jp-ApkJobs-error')!.textContent
    ).toBe('apk failed');
    expect(job(failed.id)!.querySelector('.jp-ApkJobs-cancel')).toBeNull();
    expect(job(failed.id)!.querySelector('.jp-ApkJobs-log')).toBeNull();

    job(failed.id)!
      .querySelector<HTMLButtonElement>('.jp-ApkJobs-toggleLog')!
      .click();
    await waitFor(() =>
      (
        job(failed.id)!.querySelector('.jp-ApkJobs-log')?.textContent ?? ''
      ).includes('ERROR: broken')
    );
    expect(job(failed.id)!.classList).toContain('jp-mod-expanded');

    await server.updateWhenHeld(id, {
      state: 'done',
      progress: 1,
      installed: ['py3-a-1.0-r0']
    });
    await waitFor(() => job(id)!.dataset.state === 'done');
    expect(job(id)!.querySelector('.jp-ApkJobs-state')!.textContent).toBe(
      'done'
    );
    expect(job(id)!.querySelector('.jp-ApkJobs-progress')).toBeNull();
    expect(
      job(id)!.querySelector('.jp-ApkJobs-changes')!.textContent
    ).toContain('py3-a-1.0-r0');
  });

  it('cancels a job from its cancel button', async () => {
    const { id } = await model.submit('install', ['py3-a']);
    await waitFor(() => !!job(id)?.querySelector('.jp-ApkJobs-cancel'));
    job(id)!.querySelector<HTMLButtonElement>('.jp-ApkJobs-cancel')!.click();
    await waitFor(() => job(id)!.dataset.state === 'cancelled');
    expect(job(id)!.querySelector('.jp-ApkJobs-cancel')).toBeNull();
  });

  it('shows a job the server stopped answering about as unknown, without a progress bar', async () => {
    model.dispose();
    model = new JobsModel({ serverSettings: server.settings, retryDelays: [] });
    list.dispose();
    list = new JobList({ model, trans });
    Widget.attach(list, document.body);
    const { id } = await model.submit('install', ['py3-a']);
    server.down = true;
    await waitFor(() => job(id)?.dataset.state === 'unknown');
    expect(job(id)!.querySelector('.jp-ApkJobs-progress')).toBeNull();
    expect(job(id)!.getAttribute('aria-busy')).toBe('false');
    expect(job(id)!.querySelector('.jp-ApkJobs-error')!.textContent).toContain(
      'may still be running'
    );
    expect(job(id)!.querySelector('.jp-ApkJobs-reconnect')).not.toBeNull();
  });
});

describe('JobsStatus', () => {
  it('shows the running job while there is one, and nothing otherwise', async () => {
    const server = new FakeJobServer();
    const model = new JobsModel({ serverSettings: server.settings });
    const onClick = jest.fn();
    const status = new JobsStatus({ model, trans, onClick });
    Widget.attach(status, document.body);
    expect(status.hasClass('jp-ApkJobs-status')).toBe(true);
    await sleep(10);
    expect(status.node.textContent).toBe('');

    // Queued with nothing ahead of it: it is about to start, not waiting.
    const { id } = await model.submit('upgrade', ['py3-a']);
    await waitFor(() => status.node.textContent === 'apk: upgrading py3-a');
    await server.updateWhenHeld(id, { state: 'running', progress: 0.5 });
    await waitFor(() => status.node.textContent === 'apk: upgrading py3-a');
    await model.submit('install', ['py3-b']);
    await waitFor(() =>
      (status.node.textContent ?? '').includes(
        'apk: upgrading py3-a (+1 waiting)'
      )
    );
    (status.node.firstElementChild as HTMLElement).click();
    expect(onClick).toHaveBeenCalled();

    status.dispose();
    model.dispose();
  });
});

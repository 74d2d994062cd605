// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { Clipboard, Dialog, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { exportEnvironment, IEnvironment } from '../src/api';
import { EnvironmentModel } from '../src/environment/model';
import { EnvironmentSection, undoRefusal } from '../src/environment/section';
import { JobsModel } from '../src/jobs/model';
import { FakeJobServer, fakeServer, json, waitFor } from './utils';

const CHANGED: IEnvironment = {
  baseline: { source: 'image', created: '2026-12-01T10:00:00+00:00' },
  kernel: 'python3',
  added: [{ name: 'py3-tabulate', world: 'py3-tabulate', version: '0.9.0-r0' }],
  removed: [{ name: 'py3-old', world: 'py3-old', version: '1.0-r0' }],
  upgraded: [{ name: 'py3-numpy', from: '2.2.4-r1', to: '2.3.0-r0' }],
  pip: [{ name: 'termcolor', version: '2.4.0', previous: null }],
  pip_error: null
};

const UNCHANGED: IEnvironment = {
  ...CHANGED,
  baseline: { source: 'first-start', created: '2026-12-01T10:00:00+00:00' },
  added: [],
  removed: [],
  upgraded: [],
  pip: []
};

function textReply(body: string): Promise<Response> {
  return Promise.resolve(
    new Response(body, {
      status: 200,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Disposition': 'attachment; filename="Dockerfile"'
      }
    })
  );
}

describe('exportEnvironment', () => {
  it('asks for the format and returns the file as text, not JSON', async () => {
    const { settings, requests } = fakeServer(() => textReply('FROM x\n'));
    expect(await exportEnvironment('dockerfile', 'python3', settings)).toEqual({
      filename: 'Dockerfile',
      text: 'FROM x\n'
    });
    const url = new URL(requests[0].url);
    expect(url.pathname).toBe('/lab-base/jupyterlab-apk/environment/export');
    expect(url.searchParams.get('format')).toBe('dockerfile');
    expect(url.searchParams.get('kernel')).toBe('python3');
  });

  it("throws the server's message", async () => {
    const { settings } = fakeServer(() =>
      json({ message: 'format must be one of dockerfile, apko' }, 400)
    );
    await expect(
      exportEnvironment('apko', undefined, settings)
    ).rejects.toThrow('format must be one of');
  });
});

function section(
  reply: IEnvironment | Error,
  jobs?: JobsModel
): {
  model: EnvironmentModel;
  widget: EnvironmentSection;
  requests: Request[];
} {
  const { settings, requests } = fakeServer(request =>
    request.url.includes('/export')
      ? textReply('FROM x\n')
      : reply instanceof Error
        ? json({ message: reply.message }, 500)
        : json(reply)
  );
  const model = new EnvironmentModel({
    serverSettings: settings,
    translator: nullTranslator
  });
  const widget = new EnvironmentSection({
    model,
    jobs,
    trans: nullTranslator.load('jupyterlab_apk')
  });
  Widget.attach(widget, document.body);
  return { model, widget, requests };
}

describe('EnvironmentSection', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('asks the server once attached and lists every kind of change', async () => {
    const { model, widget, requests } = section(CHANGED);
    await waitFor(() => model.environment !== null);
    widget.update();
    await waitFor(() => widget.node.querySelectorAll('li').length === 4);
    const groups = Array.from(
      widget.node.querySelectorAll('.jp-ApkEnvironment-group')
    ).map(group => [
      group.getAttribute('aria-label'),
      Array.from(group.querySelectorAll('li')).map(li => li.textContent)
    ]);
    expect(groups).toEqual([
      ['Added (apk)', ['py3-tabulate 0.9.0-r0']],
      ['Removed (apk)', ['py3-old 1.0-r0']],
      ['Upgraded (apk)', ['py3-numpy 2.2.4-r1 → 2.3.0-r0']],
      ['Added with pip', ['termcolor 2.4.0']]
    ]);
    expect(widget.node.textContent).toContain('Since the image');
    expect(widget.node.textContent).toContain('left to pip');
    expect(requests.map(r => new URL(r.url).pathname)).toEqual([
      '/lab-base/jupyterlab-apk/environment'
    ]);
  });

  it('says when nothing changed, that the baseline is the first start, and offers no export', async () => {
    const { model, widget } = section(UNCHANGED);
    await waitFor(() => model.environment !== null);
    widget.update();
    await waitFor(() =>
      (widget.node.textContent ?? '').includes('Nothing was installed')
    );
    expect(widget.node.textContent).toContain(
      'Since this server first started'
    );
    expect(widget.node.querySelector('.jp-ApkEnvironment-export')).toBeNull();
  });

  it("shows the server's error", async () => {
    const { model, widget } = section(new Error('cannot read the baseline'));
    await waitFor(() => model.error !== null);
    widget.update();
    await waitFor(() =>
      (widget.node.textContent ?? '').includes('cannot read the baseline')
    );
    expect(widget.node.querySelector('[role="alert"]')).not.toBeNull();
  });

  it('copies the chosen export to the clipboard', async () => {
    const copy = jest.spyOn(Clipboard, 'copyToSystem').mockImplementation();
    const success = jest.spyOn(Notification, 'success');
    const { model, widget, requests } = section(CHANGED);
    await waitFor(() => model.environment !== null);
    widget.update();
    await waitFor(
      () => widget.node.querySelector('.jp-ApkEnvironment-export') !== null
    );
    const copyButton = Array.from(
      widget.node.querySelectorAll<HTMLButtonElement>('button')
    ).find(button => button.textContent === 'Copy')!;
    copyButton.click();
    await waitFor(() => copy.mock.calls.length === 1);
    expect(copy).toHaveBeenCalledWith('FROM x\n');
    expect(success).toHaveBeenCalled();
    expect(new URL(requests[1].url).searchParams.get('format')).toBe(
      'dockerfile'
    );
  });

  it('asks once more after a request that was running when a refresh was asked for, and only once', async () => {
    const { model, requests } = section(CHANGED);
    // Attaching started the first request; a job ending now must not be answered by it.
    void model.refresh();
    void model.refresh();
    await waitFor(() => requests.length === 2 && !model.isLoading);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(requests).toHaveLength(2);
  });
});

describe('Undo changes since the image', () => {
  const trans = nullTranslator.load('jupyterlab_apk');
  let server: FakeJobServer;
  let jobs: JobsModel;

  beforeEach(() => {
    server = new FakeJobServer();
    jobs = new JobsModel({ serverSettings: server.settings });
  });

  afterEach(() => {
    Dialog.flush();
    jobs.dispose();
    document.body.innerHTML = '';
  });

  async function undoButton(
    reply: IEnvironment,
    refusal: string | null = null
  ): Promise<HTMLButtonElement> {
    const { model, widget } = section(reply, jobs);
    model.undoRefusal = refusal;
    await waitFor(
      () => widget.node.querySelector('.jp-ApkEnvironment-undo button') !== null
    );
    return widget.node.querySelector<HTMLButtonElement>(
      '.jp-ApkEnvironment-undo button'
    )!;
  }

  it('is offered when an apk package was added or removed', async () => {
    const button = await undoButton(CHANGED);
    expect(button.textContent).toBe('Undo changes');
    expect(button.disabled).toBe(false);
  });

  it('is disabled, and says why, when only upgrades and pip packages changed', async () => {
    const button = await undoButton({ ...CHANGED, added: [], removed: [] });
    expect(button.disabled).toBe(true);
    expect(button.title).toBe(
      'No apk package was added or removed since the image'
    );
  });

  it("is disabled with the policy's reason when removing is not allowed", async () => {
    const refusal = undoRefusal(
      { allow_remove: false, may_install: true },
      trans
    );
    const button = await undoButton(CHANGED, refusal);
    expect(button.disabled).toBe(true);
    expect(button.title).toContain('does not allow removing packages');
  });

  it('is not offered when nothing changed, nor without the install queue', async () => {
    const { model, widget } = section(UNCHANGED, jobs);
    await waitFor(() => model.environment !== null);
    widget.update();
    await waitFor(() =>
      (widget.node.textContent ?? '').includes('Nothing was installed')
    );
    expect(widget.node.querySelector('.jp-ApkEnvironment-undo')).toBeNull();
    const alone = section(CHANGED);
    await waitFor(
      () =>
        alone.widget.node.querySelector('.jp-ApkEnvironment-export') !== null
    );
    expect(
      alone.widget.node.querySelector('.jp-ApkEnvironment-undo')
    ).toBeNull();
  });

  it('shows the plan of both runs first, then submits the undo', async () => {
    const button = await undoButton(CHANGED);
    button.click();
    await waitFor(() =>
      server.requests.some(request => request.method === 'POST')
    );
    expect(button.disabled).toBe(true);
    const preview = server.job('0000000000000001'); // the fake server's first job
    expect(preview.preview).toBe(true);
    server.update(preview.id, {
      state: 'done',
      packages: ['py3-tabulate', 'py3-old'],
      plan: {
        steps: [
          {
            action: 'remove',
            name: 'py3-tabulate',
            version: '0.9.0-r0',
            old_version: null
          },
          {
            action: 'install',
            name: 'py3-old',
            version: '1.0-r0',
            old_version: null
          }
        ],
        kept: [],
        download_size: 1000,
        installed_size: 3000
      }
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan') !== null
    );
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    await waitFor(() =>
      (dialog.textContent ?? '').includes('Undo changes since the image?')
    );
    const steps = Array.from(dialog.querySelectorAll('.jp-ApkPlan-step')).map(
      row => [row.getAttribute('data-action'), row.getAttribute('data-package')]
    );
    expect(steps).toEqual([
      ['remove', 'py3-tabulate'],
      ['install', 'py3-old']
    ]);
    expect(dialog.querySelector('.jp-ApkPlan-note')!.textContent).toContain(
      'pip packages are left to pip'
    );
    dialog.querySelector<HTMLButtonElement>('button.jp-mod-warn')!.click();
    await waitFor(
      () =>
        server.requests.filter(request => request.method === 'POST').length ===
        2
    );
    const posts = server.requests.filter(request => request.method === 'POST');
    expect(posts.map(post => JSON.parse(post.body))).toEqual([
      { action: 'undo', packages: [], preview: true },
      // The plan's packages: the server runs it only if they are still the changes.
      { action: 'undo', packages: ['py3-tabulate', 'py3-old'], preview: false }
    ]);
  });
});

describe('undoRefusal', () => {
  const trans = nullTranslator.load('jupyterlab_apk');
  it.each([
    [null, null],
    [{ allow_remove: true, may_install: true }, null],
    [{ allow_remove: true }, null],
    [{ allow_remove: false, may_install: true }, 'does not allow removing'],
    [
      { allow_remove: true, may_install: false },
      'You may not install or remove'
    ]
  ])('%j -> %s', (info, fragment) => {
    const refusal = undoRefusal(info, trans);
    if (fragment === null) {
      expect(refusal).toBeNull();
    } else {
      expect(refusal).toContain(fragment);
    }
  });
});

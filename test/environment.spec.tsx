// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { Clipboard, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { exportEnvironment, IEnvironment } from '../src/api';
import { EnvironmentModel } from '../src/environment/model';
import { EnvironmentSection } from '../src/environment/section';
import { fakeServer, json, waitFor } from './utils';

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

function section(reply: IEnvironment | Error): {
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
    expect(widget.node.textContent).toContain('installed and removed by pip');
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

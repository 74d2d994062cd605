// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Cells, sessions and the core runCell, as far as the executor relies on them.
 */

import type { ISessionContext } from '@jupyterlab/apputils';

import type { IRunCellOptions } from '../../src/pip/executor';

/**
 * A kernel connection that records the code of each execute request.
 */
export function fakeSession(language = 'python') {
  const sent: string[] = [];
  const kernel = {
    name: 'python3',
    spec: Promise.resolve({ language }),
    requestExecute: (content: { code: string; silent?: boolean }) => {
      sent.push(content.silent ? `[silent] ${content.code}` : content.code);
      return { done: Promise.resolve() };
    }
  };
  const sessionContext = { session: { kernel } } as unknown as ISessionContext;
  return { sessionContext, sent };
}

export function cell(source: string) {
  const prompts: string[] = [];
  return {
    model: { type: 'code', sharedModel: { getSource: () => source } },
    setPrompt: (value: string) => prompts.push(value),
    prompts
  };
}

/**
 * The core runCell, as far as we rely on it: reads the source and sends it
 * synchronously through the session's kernel.
 */
export const coreRunCell = jest.fn(async (options: IRunCellOptions) => {
  options.sessionContext!.session!.kernel!.requestExecute({
    code: options.cell.model.sharedModel.getSource()
  });
  return true;
});

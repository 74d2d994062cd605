// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';

/**
 * A view of *sessionContext* whose kernel executes *code* instead of what it is asked to.
 *
 * The core `runCell` reads the cell's source and sends it through
 * `sessionContext.session.kernel.requestExecute`; handing it this view sends the rewritten
 * code while the cell's visible source never changes. *onSent* is called when the request
 * has been handed to the kernel connection.
 */
export function withCode(
  sessionContext: ISessionContext,
  code: string,
  onSent: () => void
): ISessionContext {
  const kernelView = (kernel: Kernel.IKernelConnection) =>
    forward(kernel, {
      requestExecute: (
        content: KernelMessage.IExecuteRequestMsg['content'],
        disposeOnDone?: boolean,
        metadata?: JSONObject
      ) => {
        const future = kernel.requestExecute(
          { ...content, code },
          disposeOnDone,
          metadata
        );
        onSent();
        return future;
      }
    });
  return forward(sessionContext, {
    get session() {
      const session = sessionContext.session;
      if (!session?.kernel) {
        return session;
      }
      const kernel = kernelView(session.kernel);
      return forward(session, { kernel });
    }
  });
}

/**
 * An object that answers with *overrides* and forwards everything else to *target*, with
 * methods bound to it (Lumino objects keep their state in private fields).
 */
function forward<T extends object>(target: T, overrides: object): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in overrides) {
        return Reflect.get(overrides, property);
      }
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    }
  });
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Keeps the cells of one session in order while some of them are held.
 *
 * JupyterLab runs the selected cells concurrently: each one is sent to the kernel as soon as
 * its executor calls the core `runCell`. Once a cell is held (its `%pip install` waits for
 * apk), every later cell of the same session must wait until the held one has been sent, so
 * that `%pip install x` followed by `import x` works under "Run All".
 */
export class SessionGate {
  /**
   * Whether a cell of *session* is held or queued behind one: later cells must take a turn.
   *
   * #### Notes
   * When this is false, a cell can be sent at once, synchronously.
   */
  isBusy(session: object): boolean {
    return this._tails.has(session);
  }

  /**
   * Take a turn: `previous` settles when every earlier turn of *session* has been sent;
   * calling `release` lets the turns after this one go. Release exactly once.
   */
  turn(session: object): SessionGate.ITurn {
    const previous = this._tails.get(session) ?? Promise.resolve();
    let release!: () => void;
    const sent = new Promise<void>(resolve => {
      release = resolve;
    });
    const tail = previous.then(() => sent);
    this._tails.set(session, tail);
    void tail.then(() => {
      if (this._tails.get(session) === tail) {
        this._tails.delete(session);
      }
    });
    return { previous, release };
  }

  private _tails = new WeakMap<object, Promise<void>>();
}

/**
 * A namespace for `SessionGate` statics.
 */
export namespace SessionGate {
  /**
   * One cell's place in its session's order.
   */
  export interface ITurn {
    /**
     * Settles when the cells before this one have been sent.
     */
    previous: Promise<void>;
    /**
     * Let the cells after this one go (once this one has been sent, or will never be).
     */
    release: () => void;
  }
}

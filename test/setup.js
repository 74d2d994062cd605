/*
 * Browser APIs that jsdom lacks but JupyterLab's packages use at import or render time.
 */

if (typeof globalThis.DragEvent === 'undefined') {
  globalThis.DragEvent = class DragEvent extends MouseEvent {
    constructor(type, init = {}) {
      super(type, init);
      this.dataTransfer = init.dataTransfer ?? null;
    }
  };
}

class NoopObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

if (typeof globalThis.IntersectionObserver === 'undefined') {
  globalThis.IntersectionObserver = NoopObserver;
}

if (typeof globalThis.ResizeObserver === 'undefined') {
  globalThis.ResizeObserver = NoopObserver;
}

if (typeof window.matchMedia !== 'function') {
  window.matchMedia = query => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent() {
      return false;
    }
  });
}

// ReactWidget waits for an idle callback to resolve its render promise.
if (typeof globalThis.requestIdleCallback === 'undefined') {
  globalThis.requestIdleCallback = callback =>
    setTimeout(
      () => callback({ didTimeout: false, timeRemaining: () => 50 }),
      1
    );
  globalThis.cancelIdleCallback = handle => clearTimeout(handle);
}

// @jupyterlab/apputils warns at import when there is no asynchronous clipboard.
if (typeof navigator !== 'undefined' && !navigator.clipboard) {
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: {
      readText: () => Promise.resolve(''),
      writeText: () => Promise.resolve(),
      read: () => Promise.resolve([]),
      write: () => Promise.resolve()
    }
  });
}

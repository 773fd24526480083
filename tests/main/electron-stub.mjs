// A stand-in for the 'electron' module (its binary cannot be installed here): records what the
// main process and the preload ask of Electron, so that tests can check the glue without it.
const rec = { events: {}, ipc: {}, sent: [], windows: [], exposed: {}, invoked: [], listeners: {} };
globalThis.__electronStub = rec;

export const app = {
  requestSingleInstanceLock: () => true,
  on(ev, f) {
    (rec.events[ev] ??= []).push(f);
  },
  whenReady: () => Promise.resolve(),
  getPath: (name) => (name === 'userData' ? process.env.STUB_USER_DATA : '/tmp'),
  getVersion: () => '0.1.0',
  isPackaged: false,
  quit() {
    rec.quit = true;
  },
};

class WebContents {
  constructor(win) {
    this.handlers = {};
    this.win = win;
  }
  on(ev, f) {
    this.handlers[ev] = f;
  }
  setWindowOpenHandler(f) {
    this.openHandler = f;
  }
  getURL() {
    return this.win.url ?? 'app://slim-whisper/index.html';
  }
  isLoading() {
    return false;
  }
  send(channel, value) {
    // Which window it went to: its index in rec.windows.
    rec.sent.push([channel, value, rec.windows.indexOf(this.win)]);
  }
}

export class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.webContents = new WebContents(this);
    this.listeners = {};
    this.destroyed = false;
    rec.windows.push(this);
    for (const f of rec.events['web-contents-created'] ?? []) f({}, this.webContents);
  }
  once() {}
  on(ev, f) {
    (this.listeners[ev] ??= []).push(f);
  }
  show() {}
  showInactive() {
    this.shownInactive = true;
  }
  setAlwaysOnTop(flag, level) {
    this.alwaysOnTopLevel = flag ? level : null;
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const f of this.listeners.closed ?? []) f();
  }
  isMinimized() {
    return false;
  }
  focus() {}
  loadURL(url) {
    this.url = url;
    return Promise.resolve();
  }
  static getAllWindows() {
    return rec.windows;
  }
}

export const ipcMain = {
  handle(channel, f) {
    rec.ipc[channel] = f;
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    rec.schemes = schemes;
  },
  handle(scheme, f) {
    rec.protocol = { scheme, handler: f };
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(f) {
      rec.permissionRequest = f;
    },
    setPermissionCheckHandler(f) {
      rec.permissionCheck = f;
    },
    webRequest: {
      onHeadersReceived(f) {
        rec.headersReceived = f;
      },
    },
  },
};

export const Menu = {
  buildFromTemplate: (t) => t,
  setApplicationMenu(m) {
    rec.menu = m;
  },
};

export const dialog = {};

// ---- preload side
export const contextBridge = {
  exposeInMainWorld(name, api) {
    rec.exposed[name] = api;
  },
};
export const ipcRenderer = {
  invoke(channel, ...args) {
    rec.invoked.push([channel, ...args]);
    return Promise.resolve({ ok: true, value: null });
  },
  on(ev, f) {
    (rec.listeners[ev] ??= []).push(f);
  },
  removeListener(ev, f) {
    rec.listeners[ev] = (rec.listeners[ev] ?? []).filter((x) => x !== f);
  },
};
export const webUtils = {
  getPathForFile: (f) => f.path ?? '',
};

export default {
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  session,
  Menu,
  dialog,
  contextBridge,
  ipcRenderer,
  webUtils,
};

/**
 * Electron main process: the app window, the app:// protocol, security policy, menus,
 * single-instance lock, files opened with the app, and the IPC handlers. Electron-only glue
 * stays here and thin; everything it calls is plain code tested without Electron.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, type WebContents } from 'electron';
import { join } from 'node:path';
import { ARG_CHECKS } from '../app/ipc/args.ts';
import {
  ALLOWED_EXTENSIONS,
  type Channel,
  type FileRef,
  type IpcEvents,
  type ModelImportKind,
  type SaveFormat,
} from '../app/ipc/contract.ts';
import { filesFromArgv } from './argv.ts';
import { createHandlers, type Dialogs, type HandlerContext } from './handlers.ts';
import { dispatch } from './ipc/dispatch.ts';
import { menuTemplate, type MenuItem } from './menu.ts';
import { appRoot, BUNDLED_MODELS, RENDERER_DIR } from './paths.ts';
import { CaptionOverlay } from './overlay.ts';
import { APP_SCHEME_PRIVILEGES, APP_URL, OVERLAY_URL, serveAsset } from './protocol.ts';
import {
  APP_HOST,
  contentSecurityPolicy,
  isMainPageUrl,
  isNavigationAllowed,
  isPermissionAllowed,
} from './security.ts';

// Must happen before 'ready': the app scheme behaves like https (secure context, fetch, CORS).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

let mainWindow: BrowserWindow | null = null;
let context: HandlerContext | null = null;
/** Files opened before the window could take them (macOS open-file fires before ready). */
const pendingOpen: string[] = [];

const FORMAT_NAMES: Record<SaveFormat, string> = {
  srt: 'SubRip subtitles',
  vtt: 'WebVTT subtitles',
  txt: 'Plain text',
  json: 'JSON',
  csv: 'CSV',
  lrc: 'LRC lyrics',
  wav: 'WAV audio',
};

function electronDialogs(): Dialogs {
  const parent = (): BrowserWindow | undefined => mainWindow ?? undefined;
  const open = async (props: Electron.OpenDialogOptions): Promise<string[]> => {
    const w = parent();
    const r = w ? await dialog.showOpenDialog(w, props) : await dialog.showOpenDialog(props);
    return r.canceled ? [] : r.filePaths;
  };
  return {
    openAudioFiles: () =>
      open({
        title: 'Add audio or video files',
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: 'Audio and video', extensions: [...ALLOWED_EXTENSIONS.audio] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    saveFile: async (defaultName: string, format: SaveFormat) => {
      const opts: Electron.SaveDialogOptions = {
        title: format === 'wav' ? 'Save the recording' : 'Export transcript',
        defaultPath: join(app.getPath('documents'), defaultName),
        filters: [{ name: FORMAT_NAMES[format], extensions: [format] }],
      };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    pickModel: async (kind: ModelImportKind) => {
      const paths = await open(
        kind === 'folder'
          ? {
              title: 'Import a model folder (Hugging Face or Transformers.js)',
              properties: ['openDirectory'],
            }
          : {
              title: 'Import a whisper.cpp model',
              properties: ['openFile'],
              filters: [{ name: 'ggml model', extensions: ['bin'] }],
            },
      );
      return paths[0] ?? null;
    },
  };
}

function send<E extends keyof IpcEvents>(event: E, value: IpcEvents[E]): void {
  mainWindow?.webContents.send(event, value);
}

/** Grants files opened with the app and hands them to the renderer (once it is loaded). */
async function openPaths(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  if (!context || !mainWindow || mainWindow.webContents.isLoading()) {
    pendingOpen.push(...paths);
    return;
  }
  const r = await dispatch(context.handlers, 'files:grantDropped', [paths]);
  if (r.ok) send('files:opened', r.value as FileRef[]);
}

function registerIpc(ctx: HandlerContext): void {
  for (const channel of Object.keys(ARG_CHECKS) as Channel[]) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      // Only the app's own main page may call: not a navigated-to page, not a subframe from
      // elsewhere, not the caption overlay (it only receives).
      if (!isMainPageUrl(event.senderFrame?.url ?? ''))
        return {
          ok: false,
          error: { code: 'INVALID_ARGUMENT', message: `${channel}: caller is not the app` },
        };
      return dispatch(ctx.handlers, channel, args, {
        onInternalError: (c, e) => process.stderr.write(`[ipc ${c}] ${String(e)}\n`),
      });
    });
  }
}

function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (!isNavigationAllowed(url, contents.getURL())) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isNavigationAllowed(url, contents.getURL())) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

function configureSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    callback(isPermissionAllowed(permission, details.requestingUrl ?? '', media));
  });
  ses.setPermissionCheckHandler((_wc, permission, origin) => isPermissionAllowed(permission, origin));
  // Belt and braces: the CSP also goes on any response that reaches the session. (Built by
  // contentSecurityPolicy(), which electronegativity cannot evaluate statically; the same
  // policy is in index.html's meta tag, which it does check.)
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] }, // eng-disable CSP_GLOBAL_CHECK
    });
  });
}

/**
 * The caption overlay: small, frameless, always on top, resizable. Not `transparent` (a
 * transparent window cannot be resized on some platforms): a dark page, and window opacity
 * where the OS has it (Windows, macOS). Same security switches as the main window; its own
 * preload exposes only a captions subscription.
 */
function createOverlayWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 760,
    height: 150,
    minWidth: 280,
    minHeight: 72,
    show: false,
    frame: false,
    alwaysOnTop: true,
    resizable: true,
    skipTaskbar: true,
    opacity: 0.9,
    title: 'Slim Whisper captions',
    backgroundColor: '#111418',
    webPreferences: {
      preload: join(appRoot(), 'dist', 'main', 'overlay-preload.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: !app.isPackaged,
    },
  });
  // Above full-screen windows too (a presentation, a video call).
  win.setAlwaysOnTop(true, 'screen-saver');
  // Shown without taking the focus from the window the user is working in.
  win.once('ready-to-show', () => win.showInactive());
  void win.loadURL(OVERLAY_URL);
  return win;
}

const overlay = new CaptionOverlay(createOverlayWindow, (open) => send('overlay:changed', open));

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1240,
    height: 820,
    minWidth: 860,
    minHeight: 560,
    show: false,
    title: 'Slim Whisper',
    backgroundColor: '#f6f7f9',
    // Written out here (not built by a helper) so that electronegativity's static checks see them.
    webPreferences: {
      // The preload exposes one named function per IPC channel and no Node or Electron object.
      preload: join(appRoot(), 'dist', 'main', 'preload.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: true,
      disableBlinkFeatures: 'Auxclick', // a middle click must not open links in new windows
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('did-finish-load', () => void openPaths(pendingOpen.splice(0)));
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
    overlay.show(false); // the overlay never outlives the app's window
  });
  void win.loadURL(APP_URL);
  return win;
}

function start(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', (_e, argv, cwd) => {
    void openPaths(filesFromArgv(argv, cwd));
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('open-file', (e, path) => {
    e.preventDefault();
    void openPaths([path]);
  });
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });

  void app.whenReady().then(() => {
    context = createHandlers({
      userData: app.getPath('userData'),
      dialogs: electronDialogs(),
      shell: 'electron',
      version: app.getVersion(),
      bundledModels: BUNDLED_MODELS,
      emit: send,
      overlay,
    });
    protocol.handle(APP_SCHEME_PRIVILEGES.scheme, async (request) => {
      const url = new URL(request.url);
      if (url.host !== APP_HOST) return new Response('forbidden', { status: 403 });
      const r = await serveAsset(RENDERER_DIR, url.pathname);
      return new Response(r.body, { status: r.status, headers: r.headers });
    });
    configureSession();
    registerIpc(context);
    const template = menuTemplate(process.platform, (command) => send('menu:command', command));
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(template as MenuItem[] as Electron.MenuItemConstructorOptions[]),
    );
    mainWindow = createWindow();
    // Windows and Linux pass associated files on the command line (packaged: after the exe; dev: after the app path).
    pendingOpen.push(...filesFromArgv(process.argv, process.cwd(), app.isPackaged ? 1 : 2));
  });
}

start();

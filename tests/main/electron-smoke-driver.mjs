// Runs the built main process (dist/main/main.js) and preload (dist/main/preload.cjs) against
// electron-stub.mjs, exercises what Electron would call, and prints a JSON report.
import { register, createRequire } from 'node:module';
import Module from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const stubUrl = pathToFileURL(join(here, 'electron-stub.mjs')).href;
const root = join(here, '..', '..');

register(
  'data:text/javascript,' +
    encodeURIComponent(
      `export async function resolve(s, c, next) { return s === 'electron' ? { url: ${JSON.stringify(stubUrl)}, shortCircuit: true } : next(s, c); }`,
    ),
);
const stub = await import(stubUrl);
// The preload is CommonJS: route its require('electron') to the same stub.
const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  return request === 'electron' ? stub : origLoad.call(this, request, parent, isMain);
};

await import(pathToFileURL(join(root, 'dist', 'main', 'main.js')).href);
await new Promise((r) => setTimeout(r, 300));
const rec = globalThis.__electronStub;
const win = rec.windows[0];
const wc = win.webContents;
const out = {};

out.schemes = rec.schemes;
out.webPreferences = {
  ...win.options.webPreferences,
  preload: win.options.webPreferences.preload.endsWith('dist/main/preload.cjs'),
};
out.loadURL = win.url;
out.channels = Object.keys(rec.ipc).sort();
out.windowOpen = wc.openHandler({ url: 'https://example.com' });
const nav = (url) => {
  let prevented = false;
  wc.handlers['will-navigate']({ preventDefault: () => (prevented = true) }, url);
  return prevented;
};
out.navigateAwayPrevented = nav('https://example.com/');
out.navigateSamePrevented = nav('app://slim-whisper/index.html#settings');
let webview = false;
wc.handlers['will-attach-webview']({ preventDefault: () => (webview = true) });
out.webviewPrevented = webview;

const perm = (permission, url, mediaTypes) =>
  new Promise((res) => rec.permissionRequest(wc, permission, res, { requestingUrl: url, mediaTypes }));
out.permissions = {
  micApp: await perm('media', 'app://slim-whisper/index.html', ['audio']),
  cameraApp: await perm('media', 'app://slim-whisper/index.html', ['video']),
  micElsewhere: await perm('media', 'https://evil.example/', ['audio']),
  notifications: await perm('notifications', 'app://slim-whisper/index.html', []),
};

const res = await rec.protocol.handler(new Request('app://slim-whisper/index.html'));
out.protocol = {
  scheme: rec.protocol.scheme,
  status: res.status,
  coep: res.headers.get('cross-origin-embedder-policy'),
  csp: res.headers.get('content-security-policy'),
  body: (await res.text()).slice(0, 15),
};
out.protocolTraversal = (
  await rec.protocol.handler(new Request('app://slim-whisper/..%2f..%2fpackage.json'))
).status;
out.protocolOtherHost = (await rec.protocol.handler(new Request('app://elsewhere/index.html'))).status;

const fromApp = { senderFrame: { url: 'app://slim-whisper/index.html' } };
const fromElsewhere = { senderFrame: { url: 'https://evil.example/' } };
out.ipcFromApp = await rec.ipc['settings:get'](fromApp);
out.ipcFromElsewhere = await rec.ipc['settings:get'](fromElsewhere);
out.ipcBadArgs = await rec.ipc['files:read'](fromApp, 'relative.wav');
out.menuTop = rec.menu.map((m) => m.label);

// Files opened with the app: macOS open-file, and a second instance's command line.
const clip = process.env.STUB_CLIP;
let openPrevented = false;
for (const f of rec.events['open-file']) f({ preventDefault: () => (openPrevented = true) }, clip);
for (const f of rec.events['second-instance'])
  f({}, ['/opt/slim-whisper', '--flag', clip, '/no/such.wav'], '/');
await new Promise((r) => setTimeout(r, 200));
out.openFilePrevented = openPrevented;
out.sentOpened = rec.sent.filter(([c]) => c === 'files:opened').map(([, v]) => v.map((f) => f.name));
out.readOpened = (await rec.ipc['files:read'](fromApp, clip)).ok;

// The caption overlay window: opened by the main page, captions forwarded, closed by the user.
const fromOverlay = { senderFrame: { url: 'app://slim-whisper/overlay.html' } };
out.overlayOpened = (await rec.ipc['overlay:show'](fromApp, true)).value;
const ow = rec.windows[1];
const owp = ow.options.webPreferences;
out.overlayWindow = {
  ...ow.options,
  webPreferences: { ...owp, preload: owp.preload.endsWith('dist/main/overlay-preload.cjs') },
  url: ow.url,
  onTop: ow.alwaysOnTopLevel,
};
await rec.ipc['overlay:captions'](fromApp, { confirmed: 'And so, my', tentative: ' fellow' });
ow.webContents.handlers['did-finish-load'](); // its page loaded: the latest captions again
out.overlayBadCaptions = await rec.ipc['overlay:captions'](fromApp, { confirmed: 5, tentative: '' });
out.overlayCallRefused = await rec.ipc['overlay:captions'](fromOverlay, { confirmed: 'x', tentative: '' });
out.overlaySettingsRefused = await rec.ipc['settings:get'](fromOverlay);
out.overlayWindowOpen = ow.webContents.openHandler({ url: 'https://example.com' });
let overlayNav = false;
ow.webContents.handlers['will-navigate'](
  { preventDefault: () => (overlayNav = true) },
  'https://example.com/',
);
out.overlayNavigatePrevented = overlayNav;
ow.close(); // the user closed it (its × button, Escape)
out.overlayReopened = (await rec.ipc['overlay:show'](fromApp, true)).value;
out.overlayClosed = (await rec.ipc['overlay:show'](fromApp, false)).value;
out.overlayDestroyed = rec.windows.slice(1).map((w) => w.destroyed);
out.overlaySent = rec.sent.filter(([c]) => c.startsWith('overlay:'));

// The preload, sandboxed CommonJS with only 'electron' to require.
createRequire(import.meta.url)(join(root, 'dist', 'main', 'preload.cjs'));
const api = rec.exposed.slimWhisper;
out.preloadGlobals = Object.keys(rec.exposed);
out.preloadFunctions = Object.keys(api).sort();
out.preloadAllFunctions = Object.values(api).every((f) => typeof f === 'function');
await api.readFile('/a/b.wav');
await api.setSettings({ language: 'de' });
await api.addDroppedFiles([{ path: '/x/dropped.wav' }, { name: 'not on disk' }]);
const off = api.onMenuCommand((c) => (out.menuCommand = c));
for (const f of rec.listeners['menu:command']) f({}, 'export');
for (const f of rec.listeners['menu:command']) f({}, 'rm -rf');
off();
out.listenersAfterOff = rec.listeners['menu:command'].length;
out.downloadsSeen = [];
const offDl = api.onDownloadsChanged((c) => out.downloadsSeen.push(c.map((x) => x.name)));
for (const f of rec.listeners['downloads:changed']) f({}, [{ name: 'tiny', state: 'downloading' }]);
for (const f of rec.listeners['downloads:changed']) f({}, { name: 'not a list' });
offDl();
out.invoked = rec.invoked;

// The overlay's preload: a captions subscription only, malformed captions dropped.
const before = new Set(Object.keys(rec.exposed));
createRequire(import.meta.url)(join(root, 'dist', 'main', 'overlay-preload.cjs'));
out.overlayGlobals = Object.keys(rec.exposed).filter((k) => !before.has(k));
const overlayApi = rec.exposed.slimWhisperOverlay;
out.overlayFunctions = Object.keys(overlayApi);
out.overlaySeen = [];
const offCaptions = overlayApi.onCaptions((c) => out.overlaySeen.push(c));
for (const f of rec.listeners['overlay:captions'])
  f({}, { confirmed: 'ask not', tentative: ' what', extra: 1 });
for (const f of rec.listeners['overlay:captions']) f({}, { confirmed: 1 });
offCaptions();
out.overlayListenersAfterOff = rec.listeners['overlay:captions'].length;
process.stdout.write(JSON.stringify(out));
process.exit(0);

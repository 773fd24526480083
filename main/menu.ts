/**
 * The application menu as a template (Electron's MenuItemConstructorOptions shape, typed here
 * so that it is built and tested without Electron). Commands go to the renderer as
 * 'menu:command' events; roles are Electron's built-ins.
 */
import type { MenuCommand } from '../app/ipc/contract.ts';

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu';
  accelerator?: string;
  submenu?: MenuItem[];
  click?: () => void;
}

export function menuTemplate(
  platform: string,
  send: (c: MenuCommand) => void,
  appName = 'Slim Whisper',
): MenuItem[] {
  const mac = platform === 'darwin';
  const cmd = (label: string, command: MenuCommand, accelerator?: string): MenuItem => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => send(command),
  });
  const appMenu: MenuItem[] = mac
    ? [
        {
          label: appName,
          submenu: [
            { role: 'about' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  return [
    ...appMenu,
    {
      label: 'File',
      submenu: [
        cmd('Add Files…', 'open-files', 'CmdOrCtrl+O'),
        cmd('Export…', 'export', 'CmdOrCtrl+E'),
        { type: 'separator' },
        cmd('Settings…', 'show-settings', 'CmdOrCtrl+,'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        cmd('Queue', 'show-queue', 'CmdOrCtrl+1'),
        cmd('Transcript', 'show-transcript', 'CmdOrCtrl+2'),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Window',
      submenu: [{ role: 'minimize' }, ...(mac ? [{ role: 'zoom' }, { role: 'front' }] : [{ role: 'close' }])],
    },
  ];
}

/**
 * The caption overlay window's lifecycle, apart from Electron so that it is tested with the
 * stub: opened and closed on request, the latest captions forwarded to it (and re-sent once
 * its page has loaded, so the first words are not lost), and every open/close reported, also
 * when the user closes the window itself.
 */
import type { OverlayCaptions, OverlayEvents } from '../app/ipc/contract.ts';

/** The part of a BrowserWindow this needs. */
export interface OverlayWindow {
  webContents: {
    send(channel: keyof OverlayEvents, value: OverlayEvents[keyof OverlayEvents]): void;
    on(event: 'did-finish-load', listener: () => void): unknown;
  };
  on(event: 'closed', listener: () => void): unknown;
  close(): void;
  isDestroyed(): boolean;
}

export class CaptionOverlay {
  private win: OverlayWindow | null = null;
  private latest: OverlayCaptions = { confirmed: '', tentative: '' };

  constructor(
    private readonly create: () => OverlayWindow,
    /** Told whenever the window opens or closes (the main window's 'overlay:changed'). */
    private readonly changed: (open: boolean) => void,
  ) {}

  get isOpen(): boolean {
    return this.win !== null;
  }

  /** Opens or closes the window; answers whether it is open. */
  show(open: boolean): boolean {
    if (open && !this.win) {
      const win = this.create();
      this.win = win;
      win.webContents.on('did-finish-load', () => {
        if (this.win === win) win.webContents.send('overlay:captions', this.latest);
      });
      win.on('closed', () => {
        if (this.win !== win) return;
        this.win = null;
        this.changed(false);
      });
      this.changed(true);
    } else if (!open && this.win) {
      const win = this.win;
      this.win = null;
      if (!win.isDestroyed()) win.close();
      this.changed(false);
    }
    return this.isOpen;
  }

  captions(c: OverlayCaptions): void {
    this.latest = c;
    if (this.win && !this.win.isDestroyed()) this.win.webContents.send('overlay:captions', c);
  }
}

/**
 * The security policy of the app window, as data and pure predicates so that tests pin it:
 * the CSP, the isolation headers, which permissions are granted and which navigations happen.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'slim-whisper';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * 'wasm-unsafe-eval' lets onnxruntime-web and libsamplerate compile WebAssembly (no JS eval);
 * workers only from the app itself; media from the app and from blob: URLs (playback of the
 * decoded audio); no network at all (connect-src 'self' is the app protocol or the local bridge).
 * The one source of the policy: the response header (contentSecurityPolicy) and the built pages'
 * meta tag (metaContentSecurityPolicy, read by scripts/build-renderer.mjs) both come from here.
 */
const CSP_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
] as const;

export function contentSecurityPolicy(): string {
  return CSP_DIRECTIVES.join('; ');
}

/** The policy of a `<meta http-equiv>` tag: the header's, minus what a meta tag cannot carry (frame-ancestors). */
export function metaContentSecurityPolicy(): string {
  return CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors ')).join('; ');
}

/** Headers for every response of the app: CSP, and COOP/COEP so the page is cross-origin isolated (WASM threads need SharedArrayBuffer). */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': 'camera=(), geolocation=(), microphone=(self)',
  };
}

/** Only the microphone ('media', audio only) and only for the app's own pages. */
export function isPermissionAllowed(
  permission: string,
  requestingUrl: string,
  mediaTypes: readonly string[] = [],
): boolean {
  if (permission !== 'media') return false;
  if (mediaTypes.some((t) => t !== 'audio')) return false;
  return isAppUrl(requestingUrl);
}

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The app's main page (index.html): the only page that may call the main process. The caption
 * overlay (overlay.html) only receives captions.
 */
export function isMainPageUrl(url: string): boolean {
  if (!isAppUrl(url)) return false;
  const path = new URL(url).pathname;
  return path === '/' || path === '/index.html';
}

/** Navigation away from the app never happens in the window (links are not followed). */
export function isNavigationAllowed(url: string, currentUrl: string): boolean {
  return isAppUrl(url) && url.split('#')[0] === currentUrl.split('#')[0];
}

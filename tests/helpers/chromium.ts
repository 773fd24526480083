/**
 * Headless Debian Chromium for browser tests (playwright-core): the house flags, plus WebGPU on
 * SwiftShader's Vulkan where a test asks for it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];

/** A skip reason for node:test when Chromium is not installed, else false. */
export const noChromium: string | false = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`;

export function launchChromium(opts: { webgpu?: boolean; args?: string[] } = {}): Promise<Browser> {
  const args = [...CHROMIUM_FLAGS, ...(opts.webgpu ? WEBGPU_FLAGS : []), ...(opts.args ?? [])];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

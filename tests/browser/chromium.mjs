// Headless Debian Chromium for the browser tests: software rendering (SwiftShader), and
// nothing of its own fetched from the network. `extra` adds flags (WebGPU, autoplay).
import { chromium } from 'playwright-core';

const BASE_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'];

export function launchChromium(extra = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: [...BASE_ARGS, ...extra] });
}

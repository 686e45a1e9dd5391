// Writes the app icons (icon-192.png, icon-512.png) into the site folder: a dark square
// with a rising loudness curve, drawn pixel by pixel and PNG-encoded with zlib (no deps).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; ++y) {
    raw[y * (size * 4 + 1)] = 0;  // filter: none
    for (let x = 0; x < size; ++x) {
      const u = x / size, v = 1 - y / size;
      // Bars of a spectrum under a smooth curve, in the studio's accent colour.
      const curve = 0.25 + 0.5 * (1 - Math.exp(-3 * u)) + 0.04 * Math.sin(u * 18);
      const bar = Math.floor(u * 8) % 1 === 0 && (u * 8) % 1 < 0.8;
      const inside = u > 0.12 && u < 0.88 && v > 0.15 && v < curve;
      const line = Math.abs(v - curve) < 0.018 && u > 0.1 && u < 0.9;
      let rgb = [23, 26, 31];
      if (inside && bar) rgb = [52, 110, 170];
      if (line) rgb = [255, 190, 60];
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = rgb[0]; raw[o + 1] = rgb[1]; raw[o + 2] = rgb[2]; raw[o + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const site = process.argv[2];
for (const size of [192, 512]) writeFileSync(join(site, `icon-${size}.png`), png(size));

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunDirectory, removeAbandoned, writeRunFile } from '../../../recovery/binary/run-directory.js';
import { packPayload, payloadFiles, type PayloadManifest } from '../../../recovery/binary/runtime-payload.js';

const files = [
  { path: 'app.mjs', mode: 0o644, bytes: Buffer.from('console.log(1)') },
  { path: 'node_modules/zstd-napi/binding.js', mode: 0o644, bytes: Buffer.from('module.exports = 1') },
  { path: 'lifeboat-helper', mode: 0o755, bytes: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]) },
];

function unpackAll(manifest: PayloadManifest, blob: Buffer): string[] {
  return [...payloadFiles(manifest, blob)].map((file) => `${file.path}:${file.bytes.toString('hex')}`);
}

describe('the single binary payload', () => {
  it('gives back every file it packed, byte for byte', () => {
    const { manifest, blob } = packPayload('app.mjs', 'lifeboat-helper', files);
    expect(unpackAll(manifest, blob)).toEqual(files.map((file) => `${file.path}:${file.bytes.toString('hex')}`));
  });

  it('names the file whose bytes do not match their SHA-256', () => {
    const { manifest, blob } = packPayload('app.mjs', 'lifeboat-helper', files);
    const damaged = Buffer.from(blob);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 0xff, damaged.length - 1);
    expect(() => unpackAll(manifest, damaged)).toThrow('lifeboat-helper does not match its SHA-256');
  });

  it.each([
    ['a path that climbs out', { path: '../escape' }, 'unsafe path'],
    ['an absolute path', { path: '/etc/passwd' }, 'unsafe path'],
    ['a file past the end of the payload', { sizeBytes: 1 << 30 }, 'outside the'],
    ['a negative offset', { offset: -1 }, 'outside the'],
  ])('refuses a manifest with %s', (_name, change, words) => {
    const { manifest, blob } = packPayload('app.mjs', 'lifeboat-helper', files);
    const hostile = { ...manifest, files: manifest.files.map((file, i) => (i === 1 ? { ...file, ...change } : file)) };
    expect(() => unpackAll(hostile, blob)).toThrow(words);
  });

  it('refuses a manifest without its entry, with a file twice, or of another schema', () => {
    const { manifest, blob } = packPayload('app.mjs', 'lifeboat-helper', files);
    expect(() => unpackAll({ ...manifest, entry: 'main.mjs' }, blob)).toThrow('lacks main.mjs');
    expect(() => unpackAll({ ...manifest, files: [...manifest.files, manifest.files[0]!] }, blob)).toThrow('twice');
    expect(() => unpackAll({ ...manifest, schema: 'lifeboat.payload/9' as 'lifeboat.payload/1' }, blob)).toThrow('schema');
  });
});

describe('the private run directory', () => {
  it('removes what dead processes left, keeps what live ones use, and never overwrites a file', () => {
    const temp = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-unit-'));
    try {
      const dead = path.join(temp, 'lifeboat-run-2147483646-aaaaaa');
      const alive = path.join(temp, `lifeboat-run-${process.pid}-bbbbbb`);
      const unrelated = path.join(temp, 'lifeboat-test-cccccc');
      for (const dir of [dead, alive, unrelated]) mkdirSync(dir);
      removeAbandoned(temp);
      expect(readdirSync(temp).sort()).toEqual([path.basename(unrelated), path.basename(alive)].sort());

      const runDir = createRunDirectory(temp);
      const { manifest, blob } = packPayload('app.mjs', 'app.mjs', [files[0]!]);
      const [file] = [...payloadFiles(manifest, blob)];
      expect(readFileSync(writeRunFile(runDir, file!), 'utf8')).toBe('console.log(1)');
      expect(() => writeRunFile(runDir, file!)).toThrow(/EEXIST/);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });
});

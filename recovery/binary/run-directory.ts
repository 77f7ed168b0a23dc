/**
 * The single binary's private directory under the system temp dir: the only place the live system
 * is sure to let us write (its root may be read-only), created 0700 so no other user can swap a file
 * between our hash check and its use, and removed when the process exits. On Windows the temp dir
 * is %TEMP% (the user's own, whose ACL already keeps other users out; modes mean little there).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../core/process-alive.js';
import { sha256Hex, type PayloadFile } from './runtime-payload.js';

const PREFIX = 'lifeboat-run-';

/** Creates this process's directory, after removing the ones processes that died left behind. */
export function createRunDirectory(tempDir: string = os.tmpdir()): string {
  removeAbandoned(tempDir);
  return mkdtempSync(path.join(tempDir, `${PREFIX}${process.pid}-`));
}

/**
 * A SIGKILL or a power cut skips exit handlers, so each start removes directories whose process is
 * gone. Only our own user's directories, and only when the pid in the name no longer runs.
 */
export function removeAbandoned(tempDir: string): void {
  let names: string[];
  try {
    names = readdirSync(tempDir);
  } catch {
    return;
  }
  // Windows has no uids (getuid is undefined there): %TEMP% is per user, so all entries are ours.
  const uid = process.getuid?.();
  for (const name of names) {
    const match = /^lifeboat-run-(\d+)-/.exec(name);
    if (!match) continue;
    const full = path.join(tempDir, name);
    try {
      if (uid !== undefined && statSync(full).uid !== uid) continue;
      // process.kill(pid, 0) asks whether the pid runs on Windows as on Linux (libuv opens it).
      if (processAlive(Number(match[1]))) continue;
      rmSync(full, { recursive: true, force: true });
    } catch {
      // Another process may be removing the same directory; it is not ours to worry about.
    }
  }
}

/**
 * Writes one embedded file and reads it back: what is checked is what lands on disk, so a full or
 * failing temp filesystem shows up here and not as a strange crash of the helper. No fsync: the
 * files live only as long as this process, and a crash that loses them loses nothing.
 */
export function writeRunFile(runDir: string, file: PayloadFile & { bytes: Buffer }): string {
  const target = path.join(runDir, ...file.path.split('/'));
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  // On Windows the mode only decides the read-only attribute (both of ours are writable, so the
  // sweep can delete them); a program runs there because its name ends in .exe.
  const fd = openSync(target, 'wx', file.mode);
  try {
    let written = 0;
    while (written < file.bytes.length) written += writeSync(fd, file.bytes, written, file.bytes.length - written);
  } finally {
    closeSync(fd);
  }
  if (sha256Hex(readFileSync(target)) !== file.sha256) throw new Error(`${target} did not read back as written; is ${path.dirname(runDir)} full or failing?`);
  return target;
}

/**
 * Removes the directory as far as the system lets us, and never throws (it runs in exit handlers).
 * On Windows an addon (.node) stays loaded, and so undeletable, until its process ends: what cannot
 * go now is removed by the next start's sweep, since this process will be gone by then.
 */
export function removeRunDirectory(runDir: string): void {
  try {
    rmSync(runDir, { recursive: true, force: true });
  } catch {
    removeEachEntry(runDir);
  }
}

function removeEachEntry(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removeEachEntry(full);
    else {
      try {
        rmSync(full, { force: true });
      } catch {
        // In use (a loaded addon on Windows): the next start's sweep takes it.
      }
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // Not empty because something above stayed.
  }
}

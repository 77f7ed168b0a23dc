import type { FailpointSpec } from './failpoint-spec.js';

/**
 * Crash points of `lifeboat capture`, and of the steps every writer of packs shares with it: the
 * recovery of what an interrupted writer left (salvage) and the pack writer (blob, seal, rename),
 * which prune and repair reach too.
 */
export const CAPTURE_POINTS = [
  {
    name: 'capture.after-lock',
    repeats: false,
    rule: 'The lock names its holder (pid, host, boot id, start time): a writer killed while holding it leaves a stale lock that the next writer takes over with a warning, and nothing else changed.',
  },
  {
    name: 'capture.after-salvage',
    repeats: false,
    rule: "Recovery seals an unfinished pack's good prefix in tmp/ before renaming it into packs/: killed after the rename, it is a sealed pack no index names, which the next writer adopts. Reached once per pack salvaged from tmp/ (an interrupted writer leaves at most one), by every writer.",
  },
  {
    name: 'capture.after-recovery',
    repeats: false,
    rule: 'Recovery changes nothing a reader trusts: tmp/ is cleared and unindexed packs are adopted in memory only, so a kill before the first new blob leaves the index and the snapshots as they were.',
  },
  {
    name: 'capture.after-blob-append',
    repeats: true,
    rule: 'Blobs are appended to the open pack in tmp/ one after another with no gap: killed mid-pack, the unbroken run of whole blobs is salvaged by the next writer, and no index or snapshot names them yet. Every writer of packs reaches it (capture, prune, repair).',
  },
  {
    name: 'capture.after-pack-seal',
    repeats: true,
    rule: 'A pack is fsynced with its trailer before it is renamed into packs/: killed in between, the whole pack is still in tmp/, where the next writer salvages it; no index names it yet. Every writer of packs reaches it.',
  },
  {
    name: 'capture.after-pack-rename',
    repeats: true,
    rule: 'Each pack is renamed into packs/ (directory fsynced) before the next one starts and before the index names it: a sealed pack no index names is adopted by the next writer or freed by prune. Every writer of packs reaches it.',
  },
  {
    name: 'capture.before-index-rename',
    repeats: false,
    rule: 'Packs, then index: until the new index is renamed into place, readers see the old one, which names no chunk of this capture.',
  },
  {
    name: 'capture.after-index-rename',
    repeats: false,
    rule: 'Index, then manifest: an index naming chunks no snapshot references yet is sound; no snapshot appears, the next capture reuses those chunks and prune frees them.',
  },
  {
    name: 'capture.before-manifest-rename',
    repeats: false,
    rule: 'The manifest is written whole in tmp/ and renamed last: until the rename there is no snapshot, only a temp copy the next writer removes.',
  },
  {
    name: 'capture.after-manifest-rename',
    repeats: false,
    rule: 'The renamed manifest is the snapshot: it exists whole, every chunk it references is in a sealed pack the durable index names, and a kill before the lock is released costs only a stale lock.',
  },
] as const satisfies readonly FailpointSpec[];

import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat restore` (with and without --resume), in the order a run reaches them. */
export const RESTORE_POINTS = [
  {
    name: 'restore.resume-checked',
    repeats: false,
    rule: 'A resume proves the journal matches this snapshot, plan and disk before it writes anything: a kill here leaves the target as the interrupted restore left it, and --resume still continues it.',
  },
  {
    name: 'restore.after-clear-head',
    repeats: false,
    rule: "The head guard zone (MBR, primary GPT, the journal's first record) is zeroed before anything else: a kill before the tail's clear leaves an old backup GPT that nothing reads without a protective MBR, and a journal --resume continues.",
  },
  {
    name: 'restore.after-clear',
    repeats: false,
    rule: "The target's old table signatures are cleared before any data is written: a cut here leaves a disk with no valid table, never the old table over new data.",
  },
  {
    name: 'restore.checkpoint',
    repeats: true,
    rule: 'A journal checkpoint names only bytes already flushed: --resume continues from it and rewrites nothing it has not proven.',
  },
  {
    name: 'restore.after-data',
    repeats: false,
    rule: 'Data, then table: every used byte outside the guard zones is flushed and the journal says so before the zones get their final bytes; a kill here leaves no table, and --resume goes straight to the last step.',
  },
  {
    name: 'restore.after-tail-zone',
    repeats: false,
    rule: 'Tail before head: the backup GPT and EBRs are written while LBA 0 is still zero, so nothing reads them, and the journal in the head zone still lets --resume redo the last step.',
  },
  {
    name: 'restore.after-head-zone',
    repeats: false,
    rule: 'Sector 0 last: the head zone down to sector 1 is written and flushed (the journal with it) while LBA 0 is zero, so the disk shows no table; with no journal left, a plain restore starts over.',
  },
  {
    name: 'restore.after-table',
    repeats: false,
    rule: 'Sector 0 is written and flushed only after every other byte is durable: a kill after it, before the kernel re-reads the table, leaves a complete restore.',
  },
] as const satisfies readonly FailpointSpec[];

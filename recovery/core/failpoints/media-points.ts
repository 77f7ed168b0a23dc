import type { FailpointSpec } from './failpoint-spec.js';

/** Crash points of `lifeboat media write`, in the order a write reaches them. */
export const MEDIA_POINTS = [
  {
    name: 'media.after-clear',
    repeats: false,
    rule: "The stick's first and last MiB are zeroed and flushed before anything else is written: a kill here leaves no partition table and no signature blkid knows.",
  },
  {
    name: 'media.after-format',
    repeats: false,
    rule: 'The data partition is formatted behind the image before the table that names it exists: a kill here leaves an exFAT no table points to and nothing at the start of the stick.',
  },
  {
    name: 'media.after-body',
    repeats: false,
    rule: "The image's first MiB, where its ISO 9660 volume descriptors live, is written after the rest of it: a kill before that leaves nothing blkid recognises.",
  },
  {
    name: 'media.after-readback',
    repeats: false,
    rule: 'Sector 0 stays zero until the whole image is written, flushed and read back: a kill here leaves an ISO 9660 without partition table or boot code, which no firmware boots.',
  },
  {
    name: 'media.after-table',
    repeats: false,
    rule: 'Sector 0 (boot code, MBR, the data partition entry) is written, flushed and read back last: a kill after it, before the kernel re-reads the table, leaves a complete stick.',
  },
] as const satisfies readonly FailpointSpec[];

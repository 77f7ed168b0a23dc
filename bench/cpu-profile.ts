/**
 * Where Lifeboat's CPU time goes: runs one CLI command under `node --cpu-prof` (V8's sampling
 * profiler writes one profile per thread: the main thread and each chunk worker) and sums each
 * thread's self time by function. Shares are of the thread's busy time (idle left out). The bench
 * uses it to explain, with numbers, each place where Lifeboat is slower than another tool.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ThreadProfile {
  thread: string;
  busyMs: number;
  /** The functions with the most self time: name (file), milliseconds, share of busy time. */
  top: Array<{ name: string; ms: number; share: number }>;
}

function label(frame: ProfileNode['callFrame']): string {
  const file = frame.url ? path.basename(frame.url) : '';
  return file ? `${frame.functionName || '(anonymous)'} (${file})` : frame.functionName || '(anonymous)';
}

function summarizeProfile(thread: string, profile: CpuProfile, topCount: number): ThreadProfile {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byName = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)') return;
    const name = label(frame);
    byName.set(name, (byName.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const busyMs = [...byName.values()].reduce((a, b) => a + b, 0);
  const top = [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topCount)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), share: ms / busyMs }));
  return { thread, busyMs: Math.round(busyMs), top };
}

/** Runs `node --cpu-prof SCRIPT ARGS` and returns each thread's profile, main thread first. */
export async function profileCommand(node: string, script: string, args: string[], dir: string, topCount = 6): Promise<ThreadProfile[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await execa(node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, script, ...args]);
  // Node names them CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main one.
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const threadOf = (f: string) => Number(f.split('.').at(-3));
  const profiles: ThreadProfile[] = [];
  for (const file of files.sort((a, b) => threadOf(a) - threadOf(b))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    profiles.push(summarizeProfile(threadOf(file) === 0 ? 'main thread' : `worker ${threadOf(file)}`, profile, topCount));
  }
  await rm(dir, { recursive: true, force: true });
  return profiles;
}

/**
 * One `hindsight_cli` run over a framed file, as issue 10 measured it: one
 * analysis thread, no input plugin, the file as its input queue
 * (output/input/0.log), and one analysis plugin, the Lua twin of the
 * README's count-by-docType plugin. Returns the process's measure, the
 * counts its shutdown timer_event injected (decoded from its analysis output
 * queue with Foresight's own reader) and how far its reader got in the file
 * (from hindsight.cp), so a run that stopped early cannot pass.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFrames } from '../../engine/message/framing';
import { decodeMessage } from '../../engine/message/protobuf';
import type { AnchorBuild } from './anchor-build';
import { parseCountPayload } from './count-payload';
import { measureProcess, expectSuccess, type ProcessRun } from './measure-process';

/** hindsight.cfg from ../shared/anchors/README.md. */
const CONFIG = `output_path = "output"; output_size = 1024 * 1024 * 1024
sandbox_load_path = ""; sandbox_run_path = "run"; analysis_threads = 1
analysis_lua_path = ""; analysis_lua_cpath = ""; io_lua_path = ""; io_lua_cpath = ""
input_defaults = {}; analysis_defaults = {}; output_defaults = {}
`;

/** The count-by-docType plugin in Lua, from ../shared/anchors/README.md. */
export const LUA_COUNT_PLUGIN = `local types = {}
function process_message()
  local dt = read_message("Fields[docType]") or "unknown"
  types[dt] = (types[dt] or 0) + 1
  return 0
end
function timer_event(ns, shutdown)
  add_to_payload("docType = Count\\n")
  for k, v in pairs(types) do add_to_payload(k, " = ", v, "\\n") end
  inject_payload("txt", "types")
end
`;

export interface HindsightRun {
  run: ProcessRun;
  /** The counts of the plugin's last output. */
  counts: Record<string, number>;
  /** Bytes of the input file its analysis reader consumed. */
  bytesRead: number;
}

/** Runs hindsight_cli over `input` with the count plugin under `matcher`, in a fresh folder under `runsDir`. */
export function runHindsight(build: AnchorBuild, runsDir: string, input: string, matcher: string): HindsightRun {
  const dir = join(runsDir, `hindsight-${process.pid}-${Date.now()}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    for (const d of ['output/input', 'run/analysis', 'run/input', 'run/output']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'hindsight.cfg'), CONFIG);
    writeFileSync(join(dir, 'run/analysis/counts.lua'), LUA_COUNT_PLUGIN);
    writeFileSync(
      join(dir, 'run/analysis/counts.cfg'),
      `filename = "counts.lua"\nmessage_matcher = ${luaString(matcher)}\nticker_interval = 0\n`,
    );
    const queue = join(dir, 'output/input/0.log');
    try {
      linkSync(input, queue); // Hindsight only reads it; a link spares copying 200 MB a run
    } catch {
      copyFileSync(input, queue);
    }
    const env = { ...process.env, LD_LIBRARY_PATH: join(build.prefix, 'lib') };
    const run = measureProcess(build.rusage, build.hindsightCli, ['hindsight.cfg'], { cwd: dir, env });
    expectSuccess(run, 'hindsight_cli');
    return { run, counts: lastCounts(join(dir, 'output/analysis')), bytesRead: bytesRead(join(dir, 'output/hindsight.cp'), statSync(input).size) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The counts in the plugin's last injected payload, read from the analysis output queue. */
function lastCounts(queueDir: string): Record<string, number> {
  let payload: string | undefined;
  for (const file of readdirSync(queueDir).filter((f) => f.endsWith('.log')).sort((a, b) => parseInt(a) - parseInt(b))) {
    for (const frame of readFrames(readFileSync(join(queueDir, file)))) {
      if (frame.kind !== 'record') continue;
      const m = decodeMessage(frame.message);
      if (m.type === 'inject_payload' && m.payload !== undefined) payload = m.payload;
    }
  }
  if (payload === undefined) throw new Error(`hindsight_cli injected no payload (nothing in ${queueDir})`);
  return parseCountPayload(payload, 'hindsight_cli');
}

/** The input reader's position in file 0 from hindsight.cp (`_G['input->analysis0'] = '0:<bytes>'`). */
function bytesRead(checkpoints: string, fileSize: number): number {
  const text = readFileSync(checkpoints, 'utf8');
  const m = /_G\['input->analysis0'\] = '(\d+):(\d+)'/.exec(text);
  if (!m) throw new Error(`hindsight.cp has no analysis reader position:\n${text}`);
  // Queue file n > 0 would mean it read past file 0 (there is none); report file 0 as whole then.
  return Number(m[1]) > 0 ? fileSize : Number(m[2]);
}

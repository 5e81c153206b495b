/**
 * The `foresight` command line: try matchers and plugins on recorded
 * messages (NDJSON or Hindsight framed protobuf, sniffed), e.g. in CI.
 *
 *   foresight match -m "Type == 'telemetry'" messages.ndjson
 *   foresight run counter.js -m "Fields[docType] != NIL" --ticker 60 data.log
 *
 * Exit status: 0 success; 1 the plugin terminated, or input records were
 * rejected (each reported on stderr); 2 a usage error, an invalid matcher or
 * configuration, or a file that cannot be read.
 */
import { Command, CommanderError, Option } from 'commander';
import { access, readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { readMessageFile, type InputRejection } from '../engine/inputs';
import { compileMatcher, MatcherError } from '../engine/matcher';
import { messageToJSON, type Message } from '../engine/message';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A problem that ends the command with a message and an exit status. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

const INPUT_HELP =
  '\nInput files are NDJSON (Heka JSON, one message a line) or Hindsight framed\n' +
  'protobuf streams; the format is taken from the extension or sniffed.\n';
const EXIT_HELP =
  '\nExit status: 0 ok; 1 plugin terminated or bad input records (each reported on\n' +
  'stderr; the good ones are still used); 2 usage error, invalid matcher, or\n' +
  'unreadable file.';

/** Run the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('foresight')
    .description('Try Heka message matchers and Foresight analysis plugins on recorded messages.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText('after', `${INPUT_HELP}${EXIT_HELP}`);

  program
    .command('match')
    .description('print the messages a matcher selects, as JSON lines (or count them)')
    .requiredOption('-m, --matcher <expr>', "message matcher expression, e.g. \"Type == 'telemetry'\"")
    .option('-c, --count', 'print only the number of matching messages')
    .argument('<file...>', 'NDJSON or Hindsight files')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .action(async (files: string[], opts: { matcher: string; count?: boolean }) => {
      exitCode = await matchCommand(files, opts, io);
    });

  program
    .command('run')
    .description('run an analysis plugin over recorded messages as the live engine would, then timer_event(ns, true)')
    .argument('<plugin>', 'the plugin source (JavaScript)')
    .argument('<file...>', 'NDJSON or Hindsight files')
    .option('-m, --matcher <expr>', 'message_matcher (or give it with --config message_matcher=...)')
    .addOption(
      new Option('--config <key=value>', 'a configuration key (repeatable); numbers and true/false are typed')
        .argParser(collectConfig)
        .default({}, ''),
    )
    .option(
      '--ticker <seconds>',
      'ticker_interval: call timer_event every N seconds of message time (message Timestamps drive the clock)',
      parseTicker,
    )
    .option('--json', 'print one JSON object with everything instead of text')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .action(
      async (
        plugin: string,
        files: string[],
        opts: { matcher?: string; config: Record<string, string | number | boolean>; ticker?: number; json?: boolean },
      ) => {
        exitCode = await runCommand(plugin, files, opts, io);
      },
    );

  try {
    if (argv.length === 0) {
      io.err(program.helpInformation());
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.err(`foresight: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`foresight: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}

// ---------------------------------------------------------------- match

async function matchCommand(files: string[], opts: { matcher: string; count?: boolean }, io: Io): Promise<number> {
  const matcher = compileOrExplain(opts.matcher);
  await checkReadable(files);
  let matched = 0;
  const rejected = await forEachMessage(files, io, (messages) => {
    let text = '';
    for (const m of messages) {
      if (!matcher(m)) continue;
      matched++;
      if (!opts.count) text += JSON.stringify(messageToJSON(m)) + '\n';
    }
    if (text) io.out(text);
  });
  if (opts.count) io.out(`${matched}\n`);
  return rejected > 0 ? EXIT_FAILED : EXIT_OK;
}

/** Compile a matcher or fail with the expression and a caret under the problem. */
function compileOrExplain(expression: string): (m: Message) => boolean {
  try {
    return compileMatcher(expression);
  } catch (err) {
    if (err instanceof MatcherError) throw new CliError(explainMatcherError(expression, err), EXIT_USAGE);
    throw err;
  }
}

/** "invalid message matcher: <reason> at <pos>", then the expression's line and a caret under the position. */
export function explainMatcherError(expression: string, err: MatcherError): string {
  const pos = Math.max(0, Math.min(err.position, expression.length));
  const lineStart = expression.lastIndexOf('\n', pos - 1) + 1;
  let lineEnd = expression.indexOf('\n', pos);
  if (lineEnd < 0) lineEnd = expression.length;
  const line = expression.slice(lineStart, lineEnd).replace(/\r$/, '');
  // Keep tabs in the padding so the caret lines up under tabs too.
  const pad = line.slice(0, pos - lineStart).replace(/[^\t]/g, ' ');
  return `invalid message matcher: ${err.message}\n  ${line}\n  ${pad}^`;
}

// ---------------------------------------------------------------- run

async function runCommand(
  pluginPath: string,
  files: string[],
  opts: { matcher?: string; config: Record<string, string | number | boolean>; ticker?: number; json?: boolean },
  io: Io,
): Promise<number> {
  await checkReadable([pluginPath, ...files]);
  const code = await readFile(pluginPath, 'utf8');
  const config: Record<string, string | number | boolean> = { ...opts.config };
  if (opts.matcher !== undefined) config.message_matcher = opts.matcher;
  if (typeof config.message_matcher !== 'string') {
    throw new CliError('a message matcher is required: -m EXPR (or --config message_matcher=EXPR)', EXIT_USAGE);
  }
  compileOrExplain(config.message_matcher);
  if (opts.ticker !== undefined) config.ticker_interval = opts.ticker;

  await deferWasmOptimization();
  const { testPlugin } = await import('../engine/runtime/test-plugin');
  const { PluginSpecError } = await import('../engine/runtime/plugin-spec');
  const name = pluginNameFromPath(pluginPath);
  let rejectedTotal = 0;
  let result;
  try {
    result = await testPlugin(
      { owner: 'cli', name, code, config },
      streamBatches(files, io, (n) => (rejectedTotal = n)),
      { filename: basename(pluginPath) },
    );
  } catch (err) {
    if (err instanceof PluginSpecError) throw new CliError(`invalid configuration: ${err.message}`, EXIT_USAGE);
    throw err;
  }

  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          processed: result.processed,
          matched: result.matched,
          failures: result.failures,
          outputs: result.outputs,
          debug: result.debug,
          injected: result.injected.map(messageToJSON),
          terminated: result.terminated ?? null,
          rejectedInput: rejectedTotal,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const o of result.outputs) {
      io.out(`== ${o.topic} (${Buffer.byteLength(o.payload)} bytes)\n${o.payload}${o.payload.endsWith('\n') ? '' : '\n'}`);
    }
    for (const m of result.injected) io.out(`== injected message\n${JSON.stringify(messageToJSON(m))}\n`);
    if (result.debug.length) io.err(result.debug.map((l) => `debug: ${l}\n`).join(''));
    for (const f of result.failures.slice(0, 100)) io.err(`failure: message ${f.position}: ${f.reason}\n`);
    if (result.failures.length > 100) io.err(`failure: ... ${result.failures.length - 100} more\n`);
    io.err(
      `foresight: ${result.matched} of ${result.seen} messages matched, ${result.processed} processed, ` +
        `${result.failures.length} failed, ${result.outputs.length} outputs, ${result.injected.length} injected\n`,
    );
    if (result.terminated) io.err(`foresight: plugin terminated: ${result.terminated.error}\n`);
  }
  if (result.terminated) return EXIT_FAILED;
  return rejectedTotal > 0 ? EXIT_FAILED : EXIT_OK;
}

/**
 * V8 recompiles a Wasm function with its optimizing compiler once it has run
 * for a budget (1.8M by default, roughly bytes of code executed). Loading one
 * plugin spends that budget in QuickJS's parser and interpreter loop, two huge
 * functions that take about 0.3 s of CPU to optimize: more than an empty or
 * small file costs in all. This process runs one plugin, so it optimizes only
 * what keeps running: with a budget 500 times larger the interpreter is
 * optimized once messages flow (after some thousand), the parser not at all.
 * Set before the sandbox's Wasm is instantiated, whose budgets it sets.
 */
async function deferWasmOptimization(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--wasm-tiering-budget=1000000000');
}

/** The files' messages, batch by batch, reporting bad records on stderr as they are met. */
async function* streamBatches(files: string[], io: Io, setRejected: (n: number) => void): AsyncGenerator<Message[]> {
  let rejected = 0;
  for (const file of files) {
    for await (const batch of readMessageFileOrFail(file)) {
      rejected += reportRejections(file, batch.rejected, batch.rejectedCount, io);
      setRejected(rejected);
      if (batch.messages.length) yield batch.messages;
    }
  }
}

function pluginNameFromPath(path: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return stem || 'plugin';
}

function collectConfig(
  value: string,
  previous: Record<string, string | number | boolean>,
): Record<string, string | number | boolean> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(`--config expects key=value, got ${JSON.stringify(value)}`, EXIT_USAGE);
  const key = value.slice(0, eq);
  const raw = value.slice(eq + 1);
  let typed: string | number | boolean = raw;
  if (raw === 'true') typed = true;
  else if (raw === 'false') typed = false;
  else if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) typed = Number(raw);
  return { ...previous, [key]: typed };
}

function parseTicker(value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`--ticker expects a whole number of seconds, got ${JSON.stringify(value)}`, EXIT_USAGE);
  return Number(value);
}

// ---------------------------------------------------------------- inputs

async function checkReadable(files: string[]): Promise<void> {
  for (const f of files) {
    try {
      await access(f);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
      throw new CliError(`cannot read ${f}: ${why}`, EXIT_USAGE);
    }
  }
}

/**
 * A file's batches, each with its messages read in place from the file's
 * chunks (LazyMessage), as the analysis worker reads them: each record is
 * validated and read by one scan, and the plugin sees exactly what the live
 * engine gives it. Offline, the engine's own Logger values are accepted (a
 * file recorded from Hindsight holds its analysis plugins' messages).
 */
async function* readMessageFileOrFail(file: string): AsyncGenerator<{ messages: Message[]; rejected: InputRejection[]; rejectedCount: number }> {
  try {
    for await (const batch of readMessageFile(file)) yield batch;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EISDIR') throw new CliError(`cannot read ${file}: it is a directory`, EXIT_USAGE);
    if (e.code) throw new CliError(`cannot read ${file}: ${e.message}`, EXIT_USAGE);
    throw err;
  }
}

/** Feed every message of every file to `onBatch`, in order; returns how many input records were rejected. */
async function forEachMessage(files: string[], io: Io, onBatch: (messages: Message[]) => void): Promise<number> {
  let rejected = 0;
  for (const file of files) {
    for await (const batch of readMessageFileOrFail(file)) {
      rejected += reportRejections(file, batch.rejected, batch.rejectedCount, io);
      if (batch.messages.length) onBatch(batch.messages);
    }
  }
  return rejected;
}

function reportRejections(file: string, rejected: InputRejection[], count: number, io: Io): number {
  let text = '';
  for (const r of rejected) {
    text += 'line' in r ? `${file}:${r.line}: ${r.reason}\n` : `${file}: record ${r.record} (byte ${r.byte}): ${r.reason}\n`;
  }
  if (count > rejected.length) text += `${file}: ${count - rejected.length} more rejected records not shown\n`;
  if (text) io.err(text);
  return count;
}

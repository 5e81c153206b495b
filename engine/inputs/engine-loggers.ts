/**
 * Logger values reserved for the engine's own messages, refused on ingest.
 *
 * Plugins trust `Logger` to say where a message comes from: a plugin's
 * injected messages carry `analysis.<owner>.<plugin>` (pluginLogger), and
 * Hindsight names its input and output plugins' messages `input.<name>` and
 * `output.<name>`. A token holder sending `Logger: "analysis.alice.secret"`
 * would pass for alice's plugin, so live ingest (HTTP bodies, ingestFile)
 * refuses these prefixes. Offline reads (`foresight run`/`match` on a file)
 * accept them: a file recorded from Hindsight legitimately holds analysis
 * plugins' messages.
 */
import { utf8Literal } from '../message/byte-literal';
import { STRING_HEADER_SLOTS, type LazyMessage } from '../message/lazy-message';
import type { Message } from '../message/message';

/** Logger prefixes the engine writes on its own messages. */
export const ENGINE_LOGGER_PREFIXES: readonly string[] = ['analysis.', 'input.', 'output.'];

const PREFIX_LITERALS = ENGINE_LOGGER_PREFIXES.map(utf8Literal);
const LOGGER_SLOT = STRING_HEADER_SLOTS.Logger;
const SHOWN = 80; // characters of an offending Logger quoted in the reason

/** Why `m` may not be ingested (its Logger is the engine's), or undefined when it may. */
export function engineLoggerRefusal(m: Message): string | undefined {
  let k = -1;
  if ((m as Partial<LazyMessage>).readInPlace === true) {
    // Compared in the record's bytes: no Logger string per ingested message.
    for (let i = 0; i < PREFIX_LITERALS.length && k < 0; i++) if ((m as LazyMessage).headerStartsWith(LOGGER_SLOT, PREFIX_LITERALS[i])) k = i;
  } else {
    const logger = m.logger;
    if (logger !== undefined) k = ENGINE_LOGGER_PREFIXES.findIndex((p) => logger.startsWith(p));
  }
  if (k < 0) return undefined;
  const logger = m.logger ?? '';
  const shown = logger.length > SHOWN ? `${logger.slice(0, SHOWN)}...` : logger;
  return (
    `Logger ${JSON.stringify(shown)} is reserved: Logger values starting with "${ENGINE_LOGGER_PREFIXES[k]}" ` +
    `mark the engine's own messages (${ENGINE_LOGGER_PREFIXES.join(', ')}); use another Logger`
  );
}

/**
 * Pushes the engine's changes to browsers over socket.io, as throttled deltas
 * of what each open page shows (lib/realtime.ts keeps who shows what):
 * - the watched rows of the Plugins and Dashboards lists that changed, at
 *   most once a second;
 * - short notices when plugins or outputs come, go or are redefined, at most
 *   once a second, so a page can tell whether its slice moved;
 * - the content of an output some page has open, at most four times a second.
 * An engine event nobody looks at costs a Set lookup: no list is read, no
 * message is built, whatever the number of plugins.
 */
import type { OutputEvent } from '../engine/index';
import { MembershipChanges, Throttle } from './live-deltas';
import type { RuntimePortalEngine } from './portal-engine';
import { hasSubscribers, publishListChanges, publishOutput, publishRowDeltas, setRowReader, watchedRows } from './realtime';

/** Live figures and list notices: a person reads a table once a second at best. */
const LIST_PUSH_MS = 1000;
/** An opened output follows its plugin closely (push latency is a bench figure), but a burst is one push. */
const CONTENT_PUSH_MS = 250;

export function bridgeEngineToBrowsers(portal: RuntimePortalEngine): () => void {
  const engine = portal.engine;
  setRowReader('plugins', (id) => portal.pluginStatsOf(id));
  setRowReader('outputs', (name) => portal.outputSummaryOf(name));
  const pluginRows = watchedRows('plugins');
  const outputRows = watchedRows('outputs');

  const knownPlugins = new Set(engine.plugins().map((p) => p.id));
  const knownOutputs = new Set(engine.outputs.list().map((o) => o.key));
  const pluginChanges = new MembershipChanges();
  const outputChanges = new MembershipChanges();
  /** Outputs changed since the last content push that some page has open. */
  const openedChanged = new Set<string>();

  const listPush = new Throttle(LIST_PUSH_MS, () => {
    publishRowDeltas('plugins');
    publishRowDeltas('outputs');
    if (!pluginChanges.isEmpty) publishListChanges('plugins', pluginChanges.take());
    if (!outputChanges.isEmpty) publishListChanges('outputs', outputChanges.take());
  });
  const contentPush = new Throttle(CONTENT_PUSH_MS, () => {
    const names = [...openedChanged];
    openedChanged.clear();
    for (const name of names) {
      const content = portal.readOutput(name);
      if (content) publishOutput(content);
    }
  });

  const offEngine = engine.on((event) => {
    switch (event.type) {
      case 'stats': {
        for (const id in event.stats) pluginRows.changed(id);
        if (pluginRows.hasPending) listPush.poke();
        return;
      }
      case 'plugin': {
        const id = event.plugin.id;
        if (knownPlugins.has(id)) pluginChanges.update(id);
        else {
          knownPlugins.add(id);
          pluginChanges.add(id);
        }
        pluginRows.changed(id);
        listPush.poke();
        return;
      }
      case 'deleted': {
        knownPlugins.delete(event.id);
        pluginChanges.remove(event.id);
        pluginRows.changed(event.id);
        listPush.poke();
        return;
      }
    }
  });

  const outputChanged = (key: string): void => {
    outputRows.changed(key);
    if (outputRows.hasPending) listPush.poke();
    if (hasSubscribers(`output:${key}`)) {
      openedChanged.add(key);
      contentPush.poke();
    }
  };
  const offOutputs = engine.outputs.onChange((event: OutputEvent) => {
    if (event.kind === 'updated') {
      const key = event.output.key;
      if (!knownOutputs.has(key)) {
        knownOutputs.add(key);
        outputChanges.add(key);
        listPush.poke();
      }
      outputChanged(key);
      return;
    }
    for (const key of event.keys) {
      if (event.kind === 'removed') {
        knownOutputs.delete(key);
        outputChanges.remove(key);
        listPush.poke();
      }
      outputChanged(key);
    }
  });

  return () => {
    listPush.close();
    contentPush.close();
    offEngine();
    offOutputs();
  };
}

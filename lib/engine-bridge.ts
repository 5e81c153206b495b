/**
 * Pushes the engine's changes to browsers over socket.io: plugin stats (at
 * most a few times a second, whatever the engine's event rate) and every
 * output change, to the rooms lib/realtime.ts defines.
 */
import type { RuntimePortalEngine } from './portal-engine';
import { publishOutput, publishOutputList, publishPluginStats } from './realtime';

const STATS_PUSH_MS = 500;

export function bridgeEngineToBrowsers(portal: RuntimePortalEngine): () => void {
  let statsTimer: NodeJS.Timeout | undefined;
  const pushStats = () => {
    if (statsTimer) return;
    statsTimer = setTimeout(() => {
      statsTimer = undefined;
      publishPluginStats(portal.pluginStats());
    }, STATS_PUSH_MS);
  };
  const offEngine = portal.engine.on((event) => {
    if (event.type === 'stats' || event.type === 'plugin' || event.type === 'deleted') pushStats();
  });
  const offOutputs = portal.engine.outputs.onChange((event) => {
    publishOutputList(portal.listOutputs());
    if (event.kind === 'updated') {
      const content = portal.readOutput(event.output.key);
      if (content) publishOutput(content);
    } else {
      for (const key of event.keys) {
        const content = portal.readOutput(key);
        if (content) publishOutput(content);
      }
    }
  });
  return () => {
    if (statsTimer) clearTimeout(statsTimer);
    offEngine();
    offOutputs();
  };
}

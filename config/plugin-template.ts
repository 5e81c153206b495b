/** What a new editor starts with: the engine's starter plugin (the tutorial's count by docType). */
import { PLUGIN_TEMPLATE } from '../engine/sandbox/template';

export const STARTER_MATCHER = "Type == 'telemetry'";
export const STARTER_SOURCE = PLUGIN_TEMPLATE;
export const STARTER_NAME = 'example';

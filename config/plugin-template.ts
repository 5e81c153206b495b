/** What a new editor starts with: the tutorial's first plugin, in JavaScript. */
export const STARTER_MATCHER = "Type == 'telemetry'";

export const STARTER_SOURCE = `// An analysis plugin: process_message() runs for every message the matcher
// selects; timer_event() runs every ticker_interval seconds and publishes output.

let count = 0;

function process_message() {
  count += 1; // count the messages that matched
  return 0; // success (-1 counts a failure)
}

// Publishes analysis.<you>.<plugin>.count.txt
function timer_event(ns, shutdown) {
  inject_payload("txt", "count", count);
}
`;

export const STARTER_NAME = 'example';

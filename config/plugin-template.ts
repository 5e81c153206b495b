/** What a new editor starts with: the tutorial's first plugin, in JavaScript. */
export const STARTER_MATCHER = "Type == 'telemetry'";

export const STARTER_SOURCE = `// process_message() runs for each message the matcher selects.
// timer_event() runs every ticker_interval seconds.

let count = 0;

function process_message() {
  count += 1; // count the matched messages
  return 0; // success; -1 counts a failure
}

// Publishes analysis.<you>.<plugin>.count.txt
function timer_event(ns, shutdown) {
  inject_payload("txt", "count", count);
}
`;

export const STARTER_NAME = 'example';

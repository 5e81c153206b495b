/**
 * The starter plugin the portal's editor opens with: the Hindsight
 * tutorial's count-by-docType plugin, in JavaScript.
 */
export const PLUGIN_TEMPLATE = `// Counts messages by Fields[docType] and reports the counts every
// ticker_interval seconds (and once more on shutdown).
//
// State lives in \`var\` globals so preserve_data can save and restore it.
var types = {};

function process_message() {
  const dt = read_message("Fields[docType]") ?? "unknown";
  types[dt] = (types[dt] || 0) + 1;
  return 0;
}

function timer_event(ns, shutdown) {
  add_to_payload("docType\\tcount\\n");
  for (const [dt, count] of Object.entries(types)) {
    add_to_payload(dt, "\\t", count, "\\n");
  }
  inject_payload("tsv", "doctype_counts");
}
`;

/** Entry module of an NDJSON parse worker (started through worker-loader.mjs). */
import { serve } from './ndjson-parse-protocol';

serve();

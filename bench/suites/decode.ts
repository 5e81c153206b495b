/**
 * Message codec throughput: NDJSON and Heka protobuf decoding, protobuf
 * encoding. Each figure's baseline is JSON.parse / JSON.stringify of the same
 * messages as JSON lines, measured in the same run.
 */
import { sampleMessages } from '../../engine/inputs/sample-messages';
import { decodeMessage, encodeMessage, messageToJSON, parseMessageJSON } from '../../engine/message/index';
import { medianSeconds, type Figure } from '../figure';

const COUNT = 20_000;

export async function run(): Promise<Figure[]> {
  const messages = sampleMessages(COUNT, 42);
  const jsonObjects = messages.map(messageToJSON);
  const lines = jsonObjects.map((o) => JSON.stringify(o));
  const encoded = messages.map(encodeMessage);
  const avgJson = lines.reduce((n, l) => n + l.length, 0) / COUNT;
  const avgProtobuf = encoded.reduce((n, b) => n + b.length, 0) / COUNT;

  let sink = 0; // keeps results observable so the work is not optimised away
  const jsonParse = medianSeconds(() => {
    for (let i = 0; i < COUNT; i++) sink += (JSON.parse(lines[i]) as { Fields: unknown[] }).Fields.length;
  });
  const parseJson = medianSeconds(() => {
    for (let i = 0; i < COUNT; i++) sink += parseMessageJSON(lines[i]).fields.length;
  });
  const decodeProtobuf = medianSeconds(() => {
    for (let i = 0; i < COUNT; i++) sink += decodeMessage(encoded[i]).fields.length;
  });
  const jsonStringify = medianSeconds(() => {
    for (let i = 0; i < COUNT; i++) sink += JSON.stringify(jsonObjects[i]).length;
  });
  const encodeProtobuf = medianSeconds(() => {
    for (let i = 0; i < COUNT; i++) sink += encodeMessage(messages[i]).length;
  });
  if (sink === 0) throw new Error('benchmark produced nothing');

  const rate = (s: number) => COUNT / s;
  const sizes = `sample messages: ${avgProtobuf.toFixed(0)} B protobuf, ${avgJson.toFixed(0)} B JSON on average`;
  return [
    {
      name: 'decode.json',
      unit: 'msg/s',
      value: rate(parseJson),
      baseline: rate(jsonParse),
      note: `parseMessageJSON per NDJSON line (parse + validate + build Message); baseline JSON.parse of the same lines; ${sizes}`,
    },
    {
      name: 'decode.protobuf',
      unit: 'msg/s',
      value: rate(decodeProtobuf),
      baseline: rate(jsonParse),
      note: 'decodeMessage (UTF-8 checked, Uuid/BYTES copied); baseline JSON.parse of the equivalent JSON lines',
    },
    {
      name: 'encode.protobuf',
      unit: 'msg/s',
      value: rate(encodeProtobuf),
      baseline: rate(jsonStringify),
      note: 'encodeMessage (lua_sandbox byte layout, validated); baseline JSON.stringify of the equivalent list-form objects',
    },
  ];
}

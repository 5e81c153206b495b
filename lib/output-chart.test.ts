import { describe, expect, it } from 'vitest';
import { chartOf, MAX_BARS } from './output-chart';

describe('chartOf', () => {
  it("reads the tutorial's `docType = Count` output as bars under its title", () => {
    expect(chartOf('docType = Count\nmain = 226\nhealth = 21\ncrash = 12\n', 'txt')).toEqual({
      kind: 'bars',
      labelName: 'docType',
      labels: ['main', 'health', 'crash'],
      series: [{ name: 'Count', values: [226, 21, 12] }],
      omitted: 0,
    });
  });

  it('reads `label: number` lines without a title', () => {
    expect(chartOf('errors: 3\nwarnings: 10.5\n')).toMatchObject({ labels: ['errors', 'warnings'], series: [{ name: 'value', values: [3, 10.5] }] });
  });

  it('reads TSV and CSV tables, with or without a header, keeping only numeric columns', () => {
    expect(chartOf('docType\tcount\tcountry\nmain\t5\tDE\ncrash\t2\tFR\n', 'tsv')).toEqual({
      kind: 'bars',
      labelName: 'docType',
      labels: ['main', 'crash'],
      series: [{ name: 'count', values: [5, 2] }],
      omitted: 0,
    });
    expect(chartOf('a,1,2\nb,3,4\n', 'csv')).toMatchObject({
      labels: ['a', 'b'],
      series: [
        { name: 'column 2', values: [1, 3] },
        { name: 'column 3', values: [2, 4] },
      ],
    });
  });

  it('reads JSON objects of numbers, arrays of numbers and arrays of records', () => {
    expect(chartOf('{"main": 3, "crash": 1}', 'json')).toMatchObject({ labels: ['main', 'crash'], series: [{ values: [3, 1] }] });
    expect(chartOf('[4, 5, 6]', 'json')).toMatchObject({ labels: ['0', '1', '2'], series: [{ values: [4, 5, 6] }] });
    expect(chartOf('[{"os": "Linux", "n": 2, "p": 0.5}, {"os": "Darwin", "n": 1, "p": 0.25}]', 'json')).toMatchObject({
      labelName: 'os',
      labels: ['Linux', 'Darwin'],
      series: [
        { name: 'n', values: [2, 1] },
        { name: 'p', values: [0.5, 0.25] },
      ],
    });
  });

  it('draws a single number as a value', () => {
    expect(chartOf('558', 'txt')).toEqual({ kind: 'value', value: 558 });
    expect(chartOf(' -1.5e3\n')).toEqual({ kind: 'value', value: -1500 });
  });

  it('keeps the first bars of a long output and counts the rest', () => {
    const lines = Array.from({ length: MAX_BARS + 7 }, (_, i) => `k${i} = ${i}`).join('\n');
    const chart = chartOf(lines);
    expect(chart).toMatchObject({ kind: 'bars', omitted: 7 });
    if (chart?.kind === 'bars') expect(chart.labels).toHaveLength(MAX_BARS);
  });

  it('leaves free text, mixed shapes and broken data raw', () => {
    for (const text of [
      '',
      '   \n',
      'hello world',
      'main = 3\nsome prose here\n',
      'main = 3\ntitle = words\n',
      'a\t1\nb\t2\t3\n',
      'a\tx\nb\ty\n',
      '{"a": "x"}',
      '{"a": 1, "b": null}',
      '[1, "2"]',
      '{not json',
      'NaN',
      'Infinity',
      '1e999',
    ]) {
      expect(chartOf(text), JSON.stringify(text)).toBeNull();
    }
    expect(chartOf('{"a": 1}', 'json')).not.toBeNull();
    expect(chartOf('not json', 'json')).toBeNull();
  });
});

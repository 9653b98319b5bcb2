import { describe, expect, it } from 'vitest';
import { manifestPath } from '../../shared/client/registry.js';
import { OutpostError } from '../../shared/errors.js';
import { formatRef, parseDatasetRef, parseModelRef } from '../../shared/refs.js';

describe('model refs', () => {
  it.each([
    ['digits@production', { name: 'digits', alias: 'production' }],
    ['digits@staging-2', { name: 'digits', alias: 'staging-2' }],
    ['digits/3', { name: 'digits', version: 3 }],
    ['digits', { name: 'digits', alias: 'production' }],
    ['silero.vad_v5-onnx/12', { name: 'silero.vad_v5-onnx', version: 12 }],
    ['9lives', { name: '9lives', alias: 'production' }],
  ])('reads %s', (text, ref) => {
    expect(parseModelRef(text)).toEqual(ref);
  });

  it.each([
    ['', 'the name is empty'],
    ['@prod', 'the name is empty'],
    ['/3', 'the name is empty'],
    ['digits/0', 'the version "0" is not a whole number from 1 up'],
    ['digits/01', 'the version "01" is not a whole number from 1 up'],
    ['digits/x', 'the version "x" is not a whole number from 1 up'],
    ['digits/99999999999999999999', 'is not a whole number from 1 up'],
    ['digits@', 'the alias is empty'],
    ['digits@prod uction', 'the alias "prod uction" may use only letters, digits, "_" and "-"'],
    ['digits@a/3', 'the alias "a/3" may use only'],
    ['digits@latest', 'the alias "latest" is reserved'],
    ['digits@v2', 'the alias "v2" is reserved'],
    [`digits@${'a'.repeat(256)}`, 'the alias is longer than 255 characters'],
    ['a b', 'the name "a b" must start with a letter or digit'],
    ['../x', 'the name ".." must start with a letter or digit'],
    ['a/b/3', 'the name "a/b" must start'],
    ['-x', 'the name "-x" must start'],
    [`${'n'.repeat(129)}`, 'at most 128'],
  ])('refuses %j, naming it and why', (text, why) => {
    let error: unknown;
    try {
      parseModelRef(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OutpostError);
    expect((error as OutpostError).status).toBe(400);
    expect((error as Error).message).toMatch(/is not a model ref: use name@alias, name\/<version> or name/);
    expect((error as Error).message).toContain(`"${text}" is not a model ref`);
    expect((error as Error).message).toContain(why);
  });

  it.each([
    ['digits@production', '/v1/models/digits%40production/manifest'],
    ['digits', '/v1/models/digits%40production/manifest'],
    ['digits/3', '/v1/models/digits/versions/3/manifest'],
  ])('maps %s to the hub route of its manifest', (text, path) => {
    expect(manifestPath(parseModelRef(text))).toBe(path);
  });
});

describe('dataset refs', () => {
  it.each([
    ['trips', { name: 'trips', latest: true }],
    ['trips/3', { name: 'trips', version: 3 }],
    ['trips@golden', { name: 'trips', alias: 'golden' }],
  ])('reads %s, a bare name meaning the latest version', (text, ref) => {
    expect(parseDatasetRef(text)).toEqual(ref);
  });

  it('refuses a bad dataset ref the same way, calling it a dataset ref', () => {
    expect(() => parseDatasetRef('trips/0')).toThrow('"trips/0" is not a dataset ref: use name@alias, name/<version> or name (the version "0" is not a whole number from 1 up)');
  });
});

describe('formatting refs', () => {
  it.each(['digits/3', 'digits@staging', 'trips'])('writes %s back as it was typed', (text) => {
    expect(formatRef(text === 'trips' ? parseDatasetRef(text) : parseModelRef(text))).toBe(text);
  });
});

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../../../src/config/load';
import type { SpillwayConfig } from '../../../src/config/schema';
import { sealConfig } from '../../../src/config/seal';
import { readSealedConfig } from '../../../src/config/sealed';

const CONFIG_DIR = new URL('../../../config/', import.meta.url);
const configFiles = readdirSync(CONFIG_DIR).filter((name) => name.endsWith('.yaml'));

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'spillway-sealed-')), 'spillway-config.json');
  writeFileSync(path, text);
  return path;
}

const shipped = (file: string): SpillwayConfig => loadConfigFile(new URL(file, CONFIG_DIR).pathname);

describe('the sealed config the functions read', () => {
  it.each(configFiles)('reads config/%s back exactly as validated, frozen', (file) => {
    // Prepare
    const validated = shipped(file);
    const path = tempFile(sealConfig(validated, file));

    // Act
    const read = readSealedConfig(path);

    // Assess
    expect(read).toEqual(validated);
    expect(Object.isFrozen(read.workloads[0]?.burstRegions[0])).toBe(true);
  });

  it('refuses to seal a config the schema refuses, naming the source', () => {
    // Prepare
    const invalid = { ...shipped('local.yaml'), controlRegion: 'mars-north-1' } as SpillwayConfig;

    // Act
    const act = () => sealConfig(invalid, 'the effective local config');

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/^invalid Spillway config the effective local config:\n {2}controlRegion: /);
  });

  it('refuses a bundled config edited after it was sealed', () => {
    // Prepare: one limit raised by hand in the file, the digest left as it was
    const sealed = JSON.parse(sealConfig(shipped('prod.yaml'), 'prod.yaml'));
    sealed.config.workloads[0].maxBurstTasks += 1;
    const path = tempFile(JSON.stringify(sealed));

    // Act
    const act = () => readSealedConfig(path);

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(`Spillway config ${path} was changed after it was validated`);
  });

  it('refuses a plain config file: only a sealed one is read', () => {
    // Prepare
    const path = tempFile(JSON.stringify(shipped('local.yaml')));

    // Act
    const act = () => readSealedConfig(path);

    // Assess
    expect(act).toThrow(`Spillway config ${path} is not a sealed config (format spillway-config/1)`);
  });

  it.each([
    ['is not valid JSON: ', 'environment: dev'],
    ['is not a sealed config', 'null'],
  ])('says which file %s', (message, text) => {
    // Prepare
    const path = tempFile(text);

    // Act
    const act = () => readSealedConfig(path);

    // Assess
    expect(act).toThrow(`Spillway config ${path} ${message}`);
  });

  it('says which file cannot be read', () => {
    expect(() => readSealedConfig('/nonexistent/spillway-config.json')).toThrow(
      /^cannot read Spillway config \/nonexistent\/spillway-config\.json: /,
    );
  });
});

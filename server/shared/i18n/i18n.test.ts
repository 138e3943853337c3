import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueKeys, intlLocales, loadCatalogue, locales } from './index.ts';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const serverDirectory = path.resolve(import.meta.dirname, '../..');

const catalogues = Object.fromEntries(locales.map((locale) => [locale, catalogueKeys(loadCatalogue(locale))]));
const baseKeys = (keys: string[]) => new Set(keys.map((key) => key.replace(PLURAL_SUFFIX, '')));

function sourceFiles(directory: string, extensions: string[]): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return sourceFiles(full, extensions);
    return extensions.some((extension) => name.endsWith(extension)) && !name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('i18n catalogues', () => {
  it.each(locales.filter((locale) => locale !== 'en'))('%s has every English key and no others', (locale) => {
    const english = baseKeys(catalogues.en!);
    const translated = baseKeys(catalogues[locale]!);
    expect([...english].filter((key) => !translated.has(key)), `missing in ${locale}`).toEqual([]);
    expect([...translated].filter((key) => !english.has(key)), `only in ${locale}`).toEqual([]);
  });

  it.each(locales)('%s has every plural form its language needs', (locale) => {
    const categories = new Intl.PluralRules(intlLocales[locale]).resolvedOptions().pluralCategories;
    const pluralBases = new Set(catalogues.en!.filter((key) => PLURAL_SUFFIX.test(key)).map((key) => key.replace(PLURAL_SUFFIX, '')));
    const keys = new Set(catalogues[locale]);
    const missing = [...pluralBases].flatMap((base) => categories.filter((category) => !keys.has(`${base}_${category}`)).map((category) => `${base}_${category}`));
    expect(missing).toEqual([]);
  });

  it('has no empty translations', () => {
    for (const locale of locales) {
      const catalogue = loadCatalogue(locale);
      const empty = catalogueKeys(catalogue).filter((key) => {
        const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], catalogue);
        return typeof value !== 'string' || value.trim() === '';
      });
      expect(empty, locale).toEqual([]);
    }
  });

  it('has an English entry for every key the templates and code use', () => {
    const english = baseKeys(catalogues.en!);
    const sections = new Set(Object.keys(loadCatalogue('en')));
    const used = new Set<string>();
    for (const file of sourceFiles(serverDirectory, ['.njk'])) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*["']([A-Za-z0-9_.]+)["']/g)) used.add(match[1]!);
    }
    for (const file of sourceFiles(serverDirectory, ['.ts'])) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"`]([a-z][A-Za-z]*(?:\.[A-Za-z0-9_]+)+)['"`]/g)) {
        const key = match[1]!;
        if (sections.has(key.split('.')[0]!) && !looksLikeColumn(key)) used.add(key);
      }
    }
    const missing = [...used].filter((key) => !english.has(key.replace(PLURAL_SUFFIX, '')) && !isSectionPrefix(key, catalogues.en!));
    expect(missing).toEqual([]);
  });
});

/** `t("roles." + role)` and `${section}.title` use a branch of keys; a real branch is fine. */
function isSectionPrefix(key: string, keys: string[]): boolean {
  const branch = key.endsWith('.') ? key : `${key}.`;
  return keys.some((candidate) => candidate.startsWith(branch));
}

const TABLES = new Set(['users', 'organisations', 'cases', 'people', 'referrals', 'households', 'alerts', 'incidents']);

/** Kysely column references such as 'users.email' share a section's name; they are not keys. */
function looksLikeColumn(key: string): boolean {
  const parts = key.split('.');
  return parts.length === 2 && TABLES.has(parts[0]!) && /^[a-z_]+$/.test(parts[1]!);
}

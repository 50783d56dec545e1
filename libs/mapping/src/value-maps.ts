import type { CodelistRegistry } from '@drehscheibe/codelists';
import type { Violation } from '@drehscheibe/contracts';
import { MappingError } from './errors.js';
import { NUMERIC_VALUE_MAPS, VALUE_MAP_CODELISTS, type ValueMapDefinition, type ValueMapName } from './profile-document.js';

export type Direction = 'toCanonical' | 'toNative';

/** What a value map did, for the dry run's trace. */
export interface ValueMapUse {
  valueMap: string;
  direction: Direction;
  from: string;
  to: string;
  defaulted: boolean;
}

interface CompiledMap {
  toCanonical: ReadonlyMap<string, string>;
  toNative: ReadonlyMap<string, string>;
  defaultCanonical?: string;
  defaultNative?: string;
}

const isValueMapName = (name: string): name is ValueMapName => Object.hasOwn(VALUE_MAP_CODELISTS, name);

/**
 * A profile's crosswalks, in both directions. Lookups of codes the map does
 * not know fall back to the explicit default or fail; there is no guessing.
 */
export class ValueMaps {
  private readonly maps = new Map<string, CompiledMap>();

  constructor(definitions: Partial<Record<ValueMapName, ValueMapDefinition>>) {
    for (const [name, d] of Object.entries(definitions) as Array<[ValueMapName, ValueMapDefinition]>) {
      const toNative = new Map<string, string>();
      // The inverse, where it is unambiguous; `validate` refuses the ambiguous rest unless `toNative` names them.
      for (const [native, canonical] of Object.entries(d.toCanonical)) if (!toNative.has(canonical)) toNative.set(canonical, native);
      for (const [canonical, native] of Object.entries(d.toNative ?? {})) toNative.set(canonical, native);
      this.maps.set(name, {
        toCanonical: new Map(Object.entries(d.toCanonical)),
        toNative,
        defaultCanonical: d.defaultCanonical,
        defaultNative: d.defaultNative,
      });
    }
  }

  /** Problems with the definitions: unknown maps, codes not in the canonical code list, ambiguous inverses. */
  static validate(definitions: Record<string, ValueMapDefinition | undefined>, codelists: CodelistRegistry): Violation[] {
    const violations: Violation[] = [];
    for (const [name, d] of Object.entries(definitions)) {
      const at = `/valueMaps/${name}`;
      if (!isValueMapName(name)) {
        violations.push({ pointer: at, message: `is not a value map; known are ${Object.keys(VALUE_MAP_CODELISTS).join(', ')}` });
        continue;
      }
      if (!d) continue;
      const list = VALUE_MAP_CODELISTS[name];
      const check = (code: string, pointer: string) => {
        if (!codelists.has(list, code)) violations.push({ pointer, message: `"${code}" is not a code of code list ${list}` });
      };
      for (const [native, canonical] of Object.entries(d.toCanonical ?? {})) check(canonical, `${at}/toCanonical/${escape(native)}`);
      for (const canonical of Object.keys(d.toNative ?? {})) check(canonical, `${at}/toNative/${escape(canonical)}`);
      if (d.defaultCanonical !== undefined) check(d.defaultCanonical, `${at}/defaultCanonical`);
      const natives = new Map<string, string[]>();
      for (const [native, canonical] of Object.entries(d.toCanonical ?? {})) natives.set(canonical, [...(natives.get(canonical) ?? []), native]);
      for (const [canonical, several] of natives) {
        if (several.length > 1 && d.toNative?.[canonical] === undefined) {
          violations.push({
            pointer: `${at}/toNative`,
            message: `must say which of ${several.map((n) => `"${n}"`).join(', ')} to send for "${canonical}"`,
          });
        }
      }
    }
    return violations;
  }

  /** Translates one code; `uses` collects what fired (the trace). */
  lookup(name: string, direction: Direction, code: unknown, uses?: { push(use: ValueMapUse): unknown }): string | number | undefined {
    if (code === undefined || code === null) return undefined;
    if (typeof code !== 'string' && typeof code !== 'number' && typeof code !== 'boolean') {
      throw new MappingError('unmapped-code', `/valueMaps/${name}`, `value map "${name}" translates codes, not ${JSON.stringify(code)}`);
    }
    const pointer = `/valueMaps/${name}`;
    const map = this.maps.get(name);
    if (!map) throw new MappingError('unmapped-code', pointer, `the profile has no value map "${name}"`);
    const from = String(code);
    const found = map[direction].get(from);
    const fallback = direction === 'toCanonical' ? map.defaultCanonical : map.defaultNative;
    const to = found ?? fallback;
    if (to === undefined) {
      const side = direction === 'toCanonical' ? 'native' : 'canonical';
      throw new MappingError('unmapped-code', `${pointer}/${direction}`, `value map "${name}" has no entry for the ${side} code "${from}" and no default`);
    }
    uses?.push({ valueMap: name, direction, from, to, defaulted: found === undefined });
    return direction === 'toCanonical' && NUMERIC_VALUE_MAPS.has(name as ValueMapName) ? Number(to) : to;
  }
}

/** JSON Pointer escaping of one reference token (RFC 6901). */
export function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

import type { MappingProfileDocument, ValueMapDefinition, ValueMapName } from './profile-document.js';

/** A profile with its base folded in, and where each rule and request came from (for pointers). */
export interface MergedProfile {
  document: MappingProfileDocument;
  /** Per inbound rule of the merged document: its pointer in the document that declared it. */
  ruleOrigins: string[];
  /** Per outbound request of the merged document: likewise. */
  requestOrigins: string[];
}

interface Named {
  name: string;
}

/**
 * Rules and requests named like one of the base replace it in its place;
 * new ones come first, so a participant's more specific rule is tried
 * before the base's general ones.
 */
function mergeNamed<T extends Named>(base: T[], own: T[], basePointer: string, ownPointer: string): { items: T[]; origins: string[] } {
  const ownByName = new Map(own.map((item, i) => [item.name, { item, pointer: `${ownPointer}/${i}` }]));
  const baseNames = new Set(base.map((b) => b.name));
  const added = own.map((item, i) => ({ item, pointer: `${ownPointer}/${i}` })).filter(({ item }) => !baseNames.has(item.name));
  const kept = base.map((item, i) => ownByName.get(item.name) ?? { item, pointer: `${basePointer}/${i}` });
  const all = [...added, ...kept];
  return { items: all.map((a) => a.item), origins: all.map((a) => a.pointer) };
}

function mergeValueMaps(
  base: Partial<Record<ValueMapName, ValueMapDefinition>> = {},
  own: Partial<Record<ValueMapName, ValueMapDefinition>> = {},
): Partial<Record<ValueMapName, ValueMapDefinition>> {
  const merged: Partial<Record<ValueMapName, ValueMapDefinition>> = { ...base };
  for (const [name, map] of Object.entries(own) as Array<[ValueMapName, ValueMapDefinition]>) {
    const b = base[name];
    merged[name] = b
      ? {
          ...b,
          ...map,
          toCanonical: { ...b.toCanonical, ...map.toCanonical },
          toNative: b.toNative || map.toNative ? { ...b.toNative, ...map.toNative } : undefined,
        }
      : map;
  }
  return merged;
}

/** Folds `base` (a built-in) under `own`: entries of the same name in `own` win. */
export function mergeProfiles(own: MappingProfileDocument, base?: MappingProfileDocument, baseId?: string): MergedProfile {
  const basePointer = `builtin:${baseId ?? ''}#`;
  const rules = mergeNamed(base?.inbound?.rules ?? [], own.inbound?.rules ?? [], `${basePointer}/inbound/rules`, '/inbound/rules');
  const requests = mergeNamed(base?.outbound?.requests ?? [], own.outbound?.requests ?? [], `${basePointer}/outbound/requests`, '/outbound/requests');
  const answer =
    base?.outbound?.answer || own.outbound?.answer
      ? {
          after: own.outbound?.answer?.after ?? base?.outbound?.answer?.after ?? [],
          fields: { ...base?.outbound?.answer?.fields, ...own.outbound?.answer?.fields },
        }
      : undefined;
  const document: MappingProfileDocument = {
    ...(own.extends ? { extends: own.extends } : {}),
    description: own.description ?? base?.description,
    valueMaps: mergeValueMaps(base?.valueMaps, own.valueMaps),
    inbound: rules.items.length ? { rules: rules.items } : undefined,
    outbound: requests.items.length || answer ? { requests: requests.items, ...(answer ? { answer } : {}) } : undefined,
    poll: own.poll ?? base?.poll,
  };
  return { document: JSON.parse(JSON.stringify(document)) as MappingProfileDocument, ruleOrigins: rules.origins, requestOrigins: requests.origins };
}

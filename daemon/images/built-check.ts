// After a build, ds01 checks what Docker made rather than trusting how it read the Dockerfile: the
// image's layers must begin with the layers of the base ds01 authorized (so nothing else was built on),
// and its ds01.* labels must be exactly the ones ds01 set (no image claims an owner or a GPU). Pure.

export interface BuiltFacts {
  layers: readonly string[];
  labels: Readonly<Record<string, string>>;
}

/** Why the built image is not acceptable, or null. `baseLayers` is [] for FROM scratch. */
export function builtImageProblem(
  built: BuiltFacts,
  baseLayers: readonly string[],
  ds01Labels: Readonly<Record<string, string>>,
): string | null {
  if (built.layers.length < baseLayers.length || baseLayers.some((l, i) => built.layers[i] !== l))
    return 'the built image does not start with the layers of the base image ds01 authorized';
  for (const [k, v] of Object.entries(built.labels)) {
    if (!/^ds01\./i.test(k)) continue;
    if (ds01Labels[k] !== v) return `the built image carries the label ${k}, which only ds01 may set`;
  }
  for (const [k, v] of Object.entries(ds01Labels))
    if (built.labels[k] !== v) return `the built image lacks ds01's label ${k}`;
  return null;
}

/**
 * What the engine harness (test/helpers/engine.ts) learns from the program's requests themselves: the SDK's mock
 * monitor hands `newResource` only a resource's type, name and decoded inputs, while the engine also gets its
 * options (dependencies, deleteBeforeReplace, ...) and its inputs with each secret where the program put it.
 */
import { engineUrn, ROOT_STACK_TYPE, type Props } from "./engine-state";

/** What the RegisterResource / ReadResource request said beyond the mock's newResource arguments. */
export interface RequestMeta {
  read: boolean;
  /** The inputs as the request carried them (the Struct as JSON: secrets nested where the program put them). */
  object: Props;
  dependencies: string[];
  /** Per input, the resources its value came from. */
  propertyDependencies: Record<string, string[]>;
  /** The deleteBeforeReplace option when the program set it (true or false); undefined leaves it to the provider. */
  deleteBeforeReplace?: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
  /** Resource options the harness does not model, by name. */
  unsupported: string[];
}

/** Request metadata by `<type>::<name>`. */
export type Metas = Map<string, RequestMeta>;

/**
 * Wraps the mock monitor's registerResource, readResource and registerResourceOutputs so that each request's
 * metadata lands in `metas` before the mock sees it, and the Stack's outputs (as the program registered them:
 * secrets still marked where they were) reach `onStackOutputs`.
 */
export function watchRequests(monitor: any, metas: Metas, onStackOutputs: (raw: Props) => void): void {
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, cb: unknown) => {
    const timeouts = req.getCustomtimeouts();
    const unsupported = [
      req.getProtect() && "protect",
      req.getIgnorechangesList().length && "ignoreChanges",
      req.getReplaceonchangesList().length && "replaceOnChanges",
      req.getImportid() && "import",
      req.getProvider() && "provider",
      (req.getAliasesList().length || req.getAliasurnsList().length) && "aliases",
      req.getDeletedwith() && "deletedWith",
      timeouts && [timeouts.getCreate(), timeouts.getUpdate(), timeouts.getDelete(), timeouts.getRead()].some(Boolean) && "customTimeouts",
      req.getReplaceWithList().length && "replaceWith",
      req.hasReplacementTrigger() && "replacementTrigger",
      req.getHidediffsList().length && "hideDiffs",
    ].filter((x): x is string => typeof x === "string" && x !== "");
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
      const urns: string[] = deps.getUrnsList().map(engineUrn);
      if (urns.length) propertyDependencies[key] = urns;
    });
    // As the engine reads it (source_eval.go): the option counts when the SDK says it was set, or when it is true.
    const dbrSet: boolean = req.getDeletebeforereplacedefined() || req.getDeletebeforereplace();
    metas.set(`${req.getType()}::${req.getName()}`, {
      read: false,
      object: req.getObject()?.toJavaScript() ?? {},
      dependencies: req.getDependenciesList().map(engineUrn),
      propertyDependencies,
      deleteBeforeReplace: dbrSet ? req.getDeletebeforereplace() : undefined,
      retainOnDelete: req.getRetainondelete?.() ?? false,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      unsupported,
    });
    return register(req, cb);
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, cb: unknown) => {
    if (req.getUrn().includes(`::${ROOT_STACK_TYPE}::`)) onStackOutputs(req.getOutputs()?.toJavaScript() ?? {});
    return registerOutputs(req, cb);
  };
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req: any, cb: unknown) => {
    metas.set(`${req.getType()}::${req.getName()}`, {
      read: true,
      object: req.getProperties()?.toJavaScript() ?? {},
      dependencies: req.getDependenciesList().map(engineUrn),
      propertyDependencies: {},
      retainOnDelete: false,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      unsupported: req.getProvider() ? ["provider"] : [],
    });
    return read(req, cb);
  };
}

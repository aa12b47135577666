/**
 * `refresh` in the engine harness (test/helpers/engine.ts), as pulumi's RefreshStep does it
 * (pkg/resource/deploy/step.go): every resource read, `parallel` at once.
 */
import { HostError } from "./host";
import type { Engine } from "./engine";
import { Slots } from "./slots";
import { annotateSecrets, EngineError, messageOf, nameOf, plainOf, secretOutputs, step, type Props, type RunResult, type StateResource, type Step } from "./engine-state";

export async function refreshAll(engine: Engine): Promise<RunResult> {
  const steps: Step[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  const workers = new Slots(engine.parallel);
  await Promise.all(
    [...engine.stackState.resources].map((r) =>
      workers.run(async () => {
        if (errors.length) return; // the engine starts nothing after a failure
        try {
          await refreshOne(engine, r, steps, warnings);
        } catch (e) {
          errors.push(`${nameOf(r.urn)}: ${messageOf(e)}`);
        }
        engine.save();
      }),
    ),
  );
  if (errors.length) throw new EngineError(errors, steps);
  return { steps, outputs: engine.outputs, warnings };
}

/**
 * Reads one resource. An empty id (deleted out of band) drops it from the state. A partial failure (the provider
 * answers ErrorResourceInitFailed) does not fail the refresh: the engine warns that the resource is unhealthy and
 * keeps the answer with its reasons as init errors, so that the next `up` updates it. Any other error fails it.
 */
async function refreshOne(engine: Engine, r: StateResource, steps: Step[], warnings: string[]): Promise<void> {
  const [olds, oldInputs] = [engine.open(r.outputs), engine.open(r.inputs)];
  let read: { id: string; properties: Props; inputs?: Props };
  let initErrors: string[] | undefined;
  try {
    read = await (await engine.provider()).read(r.urn, r.id, plainOf(olds), plainOf(oldInputs));
  } catch (e) {
    if (!(e instanceof HostError && e.initFailure)) throw e;
    read = { id: e.initFailure.id, properties: e.initFailure.properties };
    initErrors = e.initFailure.reasons;
    warnings.push(`${nameOf(r.urn)}: Refreshed resource is in an unhealthy state:\n* ${initErrors.join("\n* ")}`);
  }
  if (!read.id) {
    engine.stackState.resources = engine.stackState.resources.filter((x) => x !== r);
    steps.push(step("discard", r.urn));
    return;
  }
  const inputs = read.inputs ? annotateSecrets(read.inputs, oldInputs) : oldInputs;
  const outputs = secretOutputs(annotateSecrets(read.properties, olds), inputs, r.additionalSecretOutputs);
  engine.replaceEntry(r, { ...r, id: read.id, inputs: read.inputs ? engine.seal(inputs) : r.inputs, outputs: engine.seal(outputs), initErrors });
  steps.push(step("refresh", r.urn));
}

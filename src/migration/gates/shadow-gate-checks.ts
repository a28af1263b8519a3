import { reasonOf } from '../../common/with-timeout';
import { StoreName } from '../../config/migration-phase';
import { ShadowLedger } from '../../shadow/shadow-ledger';
import type { GateCheck } from './phase-gates';

/** How many open mismatches a refusal names (the dashboard lists them all). */
const NAMED = 10;

/** No open shadow-read mismatch: refused naming the records (a store not answering refuses). */
export async function shadowMismatchCheck(
  shadow: ShadowLedger,
  stores: StoreName[],
): Promise<GateCheck> {
  const name = 'shadow mismatches';
  try {
    const open = await shadow.openMismatches(stores);
    if (open.length === 0) return { name, ok: true, detail: 'no open shadow-read mismatch' };
    const named = open
      .slice(0, NAMED)
      .map((mismatch) => `${mismatch.kind} ${mismatch.id} (${mismatch.fields.join(', ')})`);
    return {
      name,
      ok: false,
      detail: `${open.length} open: ${named.join(', ')}${open.length > NAMED ? ', …' : ''}: run \`migrate reconcile\`, then read them again (a matching sample closes them)`,
    };
  } catch (error) {
    return { name, ok: false, detail: `cannot read the shadow reads' record: ${reasonOf(error)}` };
  }
}

/** At least `minSamples` compared samples in the last `windowMs`, across instances. */
export async function shadowSamplesCheck(
  shadow: ShadowLedger,
  stores: StoreName[],
  settings: { minSamples: number; windowMs: number },
): Promise<GateCheck> {
  const name = 'shadow samples';
  const window = formatWindow(settings.windowMs);
  try {
    const totals = await shadow.samplesSince(new Date(Date.now() - settings.windowMs), stores);
    const ok = totals.compared >= settings.minSamples;
    return {
      name,
      ok,
      detail: `${totals.compared} compared in the last ${window} (${totals.matched} matched, ${totals.mismatched} mismatched, ${totals.errors} errors, ${totals.dropped} dropped)${ok ? '' : `; ${settings.minSamples} needed (SHADOW_MIN_SAMPLES): serve reads with SHADOW_READ_RATE above 0 for longer`}`,
    };
  } catch (error) {
    return { name, ok: false, detail: `cannot read the shadow sample counts: ${reasonOf(error)}` };
  }
}

function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

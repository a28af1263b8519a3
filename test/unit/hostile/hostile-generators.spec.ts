import { createHash } from 'node:crypto';
import { generateCase, refusals } from '../../e2e/hostile/cases';
import { casePrng, Prng, runSeed } from '../../e2e/hostile/prng';
import { buildRequest, Fixtures } from '../../e2e/hostile/request';
import { ROUTES, routeKey } from '../../e2e/hostile/routes';

const PHASES = ['mongo', 'dual-write', 'cassandra-primary', 'cassandra'];

/** Stand-in fixtures: the generators' output depends on them only where the case says so. */
const FIXTURES: Fixtures = {
  port: 3000,
  posts: { author: '6b0000000000000000000001', admin: '6b0000000000000000000002' },
  comment: '6b0000000000000000000003',
  usernames: { author: 'hxauthor', admin: 'hxadmin' },
  tokens: {
    author: `6b0000000000000000000004.${'a'.repeat(43)}`,
    admin: `6b0000000000000000000005.${'b'.repeat(43)}`,
  },
  sessions: {
    author: { cookie: `6b0000000000000000000006.${'c'.repeat(43)}`, csrf: 'd'.repeat(43) },
    admin: { cookie: `6b0000000000000000000007.${'e'.repeat(43)}`, csrf: 'f'.repeat(43) },
  },
  visitor: { cookie: 'g'.repeat(43), csrf: 'h'.repeat(43) },
};

/** The bytes a run would send for cases [from, to) of a phase, as one hash per case. */
function wire(seed: number, phase: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let index = from; index < to; index++) {
    const request = buildRequest(generateCase(seed, phase, index), FIXTURES);
    const hash = createHash('sha256').update(request.method).update(request.target);
    for (const [name, value] of request.headers) hash.update(`${name}:`).update(value);
    out.push(hash.update(request.body).digest('hex'));
  }
  return out;
}

describe('the hostile-input generators', () => {
  it('give the same cases, byte for byte, for the same seed', () => {
    for (const phase of PHASES) {
      expect(wire(12345, phase, 0, 80)).toEqual(wire(12345, phase, 0, 80));
    }
  });

  it('give other cases for another seed or phase', () => {
    const a = wire(1, 'mongo', 0, 60);
    expect(wire(2, 'mongo', 0, 60)).not.toEqual(a);
    expect(wire(1, 'cassandra', 0, 60)).not.toEqual(a);
  });

  it('rebuild any single case alone (replay) exactly as in the full run', () => {
    const run = wire(777, 'dual-write', 0, 120);
    expect(wire(777, 'dual-write', 97, 98)).toEqual([run[97]]);
  });

  it('repeat the PRNG sequence for a seed', () => {
    const draw = (prng: Prng) => Array.from({ length: 20 }, () => prng.int(0, 1_000_000));
    expect(draw(new Prng(42))).toEqual(draw(new Prng(42)));
    expect(draw(new Prng(42))).not.toEqual(draw(new Prng(43)));
    expect(draw(casePrng(9, 'mongo', 3))).toEqual(draw(casePrng(9, 'mongo', 3)));
  });

  it('take HOSTILE_SEED when given and refuse a malformed one', () => {
    expect(runSeed({ HOSTILE_SEED: '4294967295' })).toBe(4294967295);
    expect(() => runSeed({ HOSTILE_SEED: '-1' })).toThrow(/HOSTILE_SEED/);
    expect(() => runSeed({ HOSTILE_SEED: '4294967296' })).toThrow(/HOSTILE_SEED/);
    expect(runSeed({})).toBeGreaterThanOrEqual(0);
  });

  it('give every write at least one part that makes it fail, across many seeds', () => {
    let writes = 0;
    for (let seed = 0; seed < 40; seed++) {
      for (let index = 0; index < ROUTES.length * 8; index++) {
        const hc = generateCase(seed, PHASES[seed % 4], index);
        const route = ROUTES.find((r) => routeKey(r) === hc.route);
        if (!route?.write || hc.method !== route.method) continue;
        writes++;
        expect(refusals(route, hc).length).toBeGreaterThan(0);
      }
    }
    expect(writes).toBeGreaterThan(1000);
  });

  it('attack every route in turn', () => {
    const routes = new Set<string>();
    for (let index = 0; index < ROUTES.length; index++)
      routes.add(generateCase(5, 'mongo', index).route);
    expect(routes.size).toBe(ROUTES.length);
  });
});

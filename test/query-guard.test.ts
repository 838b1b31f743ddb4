import { crossKeyspaceJoins, PlanNode, routesOf, withLiterals } from '../harness/observe/query-guard';

const route = (keyspace: string, variant: string, query: string): PlanNode => ({ OperatorType: 'Route', Variant: variant, Keyspace: { Name: keyspace }, Query: query });

describe('query guard: plan reading', () => {
  const joined: PlanNode = {
    OperatorType: 'Limit',
    Inputs: [
      {
        OperatorType: 'Join',
        Variant: 'LeftJoin',
        Inputs: [route('customer', 'Scatter', 'select c.id from conversations as c where c.inbox_id = 7'), route('commerce', 'Unsharded', 'select v.verdict from url_verdicts as v where v.conversation_token = :c_token')],
      },
    ],
  };

  test('a join vtgate runs across two keyspaces is found, with both keyspaces named', () => {
    expect(crossKeyspaceJoins(joined)).toEqual(['LeftJoin join at vtgate across keyspaces commerce and customer']);
    expect(routesOf(joined).map((r) => r.Keyspace?.Name)).toEqual(['customer', 'commerce']);
  });

  test('a join within one keyspace, or a single route, is not', () => {
    const sameKs: PlanNode = { OperatorType: 'Join', Inputs: [route('customer', 'Scatter', 'a'), route('customer', 'EqualUnique', 'b')] };
    expect(crossKeyspaceJoins(sameKs)).toEqual([]);
    expect(crossKeyspaceJoins(route('customer', 'Scatter', 'select 1'))).toEqual([]);
  });

  test('bind variables become literals MySQL can EXPLAIN; quoted text and ::lists too', () => {
    expect(withLiterals('select v from t where a = :c_token and b in ::__vals')).toBe("select v from t where a = '0' and b in ('0')");
    expect(withLiterals('select 1 from dual')).toBe('select 1 from dual');
    expect(withLiterals('select id from c where inbox_id = :vtg1 /* INT64 */ order by id desc limit :__upper_limit /* INT64 */')).toBe(
      "select id from c where inbox_id = '0'  order by id desc limit 1",
    );
  });
});

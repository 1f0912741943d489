import { GraphQLError } from 'graphql';
import { decodeId, encodeId } from '../../src/graph/ids.js';

describe('global ids', () => {
  it('round-trip every type', () => {
    for (const [type, keys] of [
      ['Partner', [36]],
      ['Company', [14146]],
      ['Organization', [1122]],
      ['PartnerRelationship', [36, 123, 14146]],
      ['OrganizationRelationship', [1000, 1122]],
    ] as const) {
      const id = encodeId(type, ...keys);
      expect(decodeId(id)).toEqual({ type, keys: [...keys] });
    }
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'Q29t cGFueToxNDE0Ng=='],
    ['unknown type', Buffer.from('Widget:1').toString('base64url')],
    ['wrong key count', Buffer.from('Company:1:2').toString('base64url')],
    ['non-integer key', Buffer.from('Company:abc').toString('base64url')],
    ['negative key', Buffer.from('Company:-5').toString('base64url')],
    ['zero key', Buffer.from('Organization:0').toString('base64url')],
    ['key beyond Int', Buffer.from('Partner:2147483648').toString('base64url')],
    ['leading zero', Buffer.from('Partner:036').toString('base64url')],
    ['padded spelling', `${encodeId('Company', 14146)}=`],
    ['too long', 'A'.repeat(500)],
  ])('rejects %s with BAD_USER_INPUT', (_, id) => {
    expect(() => decodeId(id)).toThrow(GraphQLError);
    try {
      decodeId(id);
    } catch (error) {
      expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

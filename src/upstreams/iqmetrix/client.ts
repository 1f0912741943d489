import type { Company, PartnerRelationshipPage } from '../../domain/types.js';
import type { UpstreamCaller } from '../call.js';
import { IQMETRIX_MAX_TOP, type IqmetrixDefinition } from './definition.js';

/** The iQmetrix Entity Manager endpoints the graph reads, for one operation's credential. */
export class IqmetrixClient {
  constructor(private readonly caller: UpstreamCaller<IqmetrixDefinition>) {}

  getPartnerRelationships(partnerId: number, skip: number, top: number): Promise<PartnerRelationshipPage> {
    if (top < 0 || top > IQMETRIX_MAX_TOP || skip < 0) throw new RangeError(`invalid page: skip=${skip} top=${top}`);
    return this.caller.call('partnerCompanyRelationships', partnerId, skip, top);
  }

  getCompany(companyId: number): Promise<Company> {
    return this.caller.call('company', companyId);
  }
}

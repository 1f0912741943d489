// Wire shapes of the iQmetrix Entity Manager API, exactly as documented in
// shared/upstreams/iqmetrix-entity-manager.md. The gateway's client and the
// embedded simulator both use these, so a contract change is made once.

/** One item of `GET /Partners({id})/Relationships/Companies`. */
export interface IqPartnerCompanyRelationship {
  RelationshipId: number;
  CreatedUtc: string;
  CompanyId: number;
  CompanyName: string;
}

/** The paging envelope. The first doc revision answered a bare array instead; clients accept both. */
export interface IqPage<T> {
  _metadata: { count: number; skip: number; top: number };
  _links: { prev: string | null; self: string; next: string | null };
  items: T[];
}

export interface IqLogo {
  Id: string;
  Name: string;
  Href: string;
  MimeType: string;
  Width: number;
  Height: number;
  Md5Checksum?: string;
}

export interface IqEntityRelationship {
  Id: number;
  Source: number;
  Destination: number;
  CreatedUtc: string;
  Version: number;
}

/** `GET /Companies({id})`. */
export interface IqCompany {
  Id: number;
  Name: string;
  /** Newer doc revisions only: may be absent. */
  DisplayName?: string | null;
  Description?: string | null;
  ClientEntityId?: string | null;
  /** 3 or 7 fractional digits. */
  CreatedUtc?: string | null;
  LastModifiedUtc?: string | null;
  Attributes?: Record<string, unknown> | null;
  Logo?: IqLogo | null;
  Roles?: Array<{ Name: string }>;
  Relationships?: IqEntityRelationship[];
  SortName?: string;
  Version?: number;
}

/** `POST {accounts}/v1/oauth2/token` success body. */
export interface IqTokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

/** Some error bodies are JSON with `Message`, others plain text. */
export interface IqErrorBody {
  Message: string;
}

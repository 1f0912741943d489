// Every iQmetrix path the gateway calls, relative to IQMETRIX_URL (which includes `/v1`).
// All documented; the simulator routes on the same builders.

export const iqmetrixPaths = {
  partnerCompanyRelationships: (partnerId: number, skip: number, top: number) =>
    `/Partners(${partnerId})/Relationships/Companies?$skip=${skip}&$top=${top}`,
  company: (companyId: number) => `/Companies(${companyId})`,
  /** Relative to IQMETRIX_ACCOUNTS_URL (which includes `/v1`). */
  token: () => `/oauth2/token`,
} as const;

/** `$top` ranges 0–100 upstream; the gateway never asks for more in one call. */
export const IQMETRIX_MAX_TOP = 100;

/**
 * What one request may ask of the gateway. Every limit is checked before any resolver runs,
 * so an operation over a limit costs the upstreams nothing.
 */
export interface LimitSettings {
  /**
   * Deepest field nesting of an operation, fragments expanded (`{ a { b } }` is 2 deep).
   * PartnerSupplyNetwork (shared/graph.md) is 10 deep.
   */
  maxDepth: number;
  /**
   * Most cost one operation may have; see `operationCost` in cost.ts for what one unit is.
   * PartnerSupplyNetwork costs 629.
   */
  maxCost: number;
  /** Most aliased fields in one operation, counted once per use of the fragment they sit in. */
  maxAliases: number;
  /** Most lexical tokens in a query document; the parser stops at the first token over it. */
  maxTokens: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  // 5 levels of room over PartnerSupplyNetwork (10): one more hop on each side, e.g.
  // `target { company { organization { name } } }`, still fits. Cost, not depth, is what
  // bounds upstream work; depth mostly bounds the cost of analysing and executing the tree.
  maxDepth: 15,
  // About 8× PartnerSupplyNetwork (629). Still passes: that query at the largest partner
  // page (first: 100 × 10 → 2,504), or `nodes` of 100 organizations with a default page of
  // relationships and their targets (2,201). Fails: a page of 100 whose every item opens
  // another page of 100 objects (≥ 10,000), and anything nested deeper than that.
  maxCost: 5000,
  // Aliases are how one small query asks for the same expensive field many times; real
  // clients rarely use more than a handful.
  maxAliases: 30,
  // The full introspection query is under 200 tokens and PartnerSupplyNetwork about 60.
  maxTokens: 2000,
  // Far above any legitimate operation (the token limit bounds the query text; variables
  // such as 100 node ids are a few kB), far below what would strain memory.
  maxBodyBytes: 100 * 1024,
};

/** Browser origins allowed to call /graphql cross-origin: any (`'*'`) or exactly these. */
export type CorsOrigins = '*' | readonly string[];

// The module that vite.config.ts makes from the contract at build time (build/contract-module.ts).
declare module 'virtual:contract' {
  /** Every property of the contract's Session, in its order, with the reference's description. */
  export const sessionFields: ReadonlyArray<{ name: string; description: string }>;
}
